import { basic, FakeProvider, randomHex, type FakeKey, type FakeRequest, type FakeResponse } from './fake-provider';

/**
 * A local Twilio (REST API v2010 Key resource), as Twilio's API reference documents it:
 * - HTTP basic auth: an API key's SID (`SK` + 32 hex) and secret, or the account SID and auth token.
 * - Only a Main key (or the auth token) may use the Keys resource; a Standard key gets 403 there.
 * - `POST /2010-04-01/Accounts/{AccountSid}/Keys.json`, form `FriendlyName` (at most 64 characters) →
 *   201 `{sid, friendly_name, secret, date_created, date_updated}` (RFC 2822 dates); the secret only here.
 * - `GET .../Keys.json?PageSize=&Page=` → `{keys: [{sid, friendly_name, date_created, date_updated}],
 *   next_page_uri, page, page_size, ...}`.
 * - `DELETE .../Keys/{Sid}.json` → 204, 404 for an unknown key.
 * - `GET .../Messages.json` → 200 for any key of the account (here: an empty page).
 * - Errors: `{code, message, more_info, status}`; 401 code 20003 for bad credentials, 404 code 20404,
 *   429 code 20429 (Too Many Requests).
 */
export interface TwilioAccount {
  readonly sid: string;
  readonly authToken: string;
}

const error = (status: number, code: number, message: string): FakeResponse => ({
  status,
  json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});
const unauthorized = error(401, 20003, 'Authenticate');

export class FakeTwilio extends FakeProvider {
  readonly account: TwilioAccount = { sid: `AC${randomHex(32)}`, authToken: randomHex(32) };

  constructor() {
    super(
      [
        {
          method: 'POST',
          path: '/2010-04-01/Accounts/:account/Keys.json',
          bucket: 'keys',
          call: 'create',
          handle: (r) => this.create(r),
        },
        {
          method: 'GET',
          path: '/2010-04-01/Accounts/:account/Keys.json',
          bucket: 'keys',
          call: 'list',
          handle: (r) => this.list(r),
        },
        {
          method: 'DELETE',
          path: '/2010-04-01/Accounts/:account/Keys/:sid.json',
          bucket: 'keys',
          call: 'revoke',
          handle: (r) => this.remove(r),
        },
        {
          method: 'GET',
          path: '/2010-04-01/Accounts/:account/Messages.json',
          bucket: 'messages',
          call: 'verify',
          handle: (r) => this.messages(r),
        },
      ],
      {
        rateLimit: { limit: 600, windowMs: 60_000 },
        tooManyRequests: () => error(429, 20429, 'Too Many Requests'),
      },
    );
  }

  /** A key made in the Twilio Console: a Main key (admin) or a Standard one. */
  addTwilioKey(name: string, main = false): FakeKey {
    return this.addKey({ id: `SK${randomHex(32)}`, name, value: randomHex(32), admin: main });
  }

  /** The caller: the account (auth token), or one of its keys whose SID and secret match; undefined: refused. */
  private caller(request: FakeRequest): { main: boolean } | undefined {
    const credentials = basic(request);
    if (!credentials || request.params.account !== this.account.sid) return undefined;
    if (credentials.user === this.account.sid)
      return credentials.password === this.account.authToken ? { main: true } : undefined;
    const key = this.keys.get(credentials.user);
    if (!key || key.value !== credentials.password) return undefined;
    this.authenticate(key.value);
    return { main: key.admin };
  }

  private requireMain(request: FakeRequest): FakeResponse | undefined {
    const caller = this.caller(request);
    if (!caller) return unauthorized;
    if (!caller.main) return error(403, 20003, 'Standard API keys may not access the Keys resource: use a Main key');
    return undefined;
  }

  private create(request: FakeRequest): FakeResponse {
    const refused = this.requireMain(request);
    if (refused) return refused;
    const name = new URLSearchParams(request.body).get('FriendlyName') ?? '';
    if (name.length > 64) return error(400, 21610, 'FriendlyName must be at most 64 characters');
    const key = this.addTwilioKey(name);
    return { status: 201, json: { ...this.describe(key), secret: key.value } };
  }

  private list(request: FakeRequest): FakeResponse {
    const refused = this.requireMain(request);
    if (refused) return refused;
    const pageSize = Math.min(1000, Math.max(1, Number(request.query.get('PageSize') ?? '50') || 50));
    const page = Math.max(0, Number(request.query.get('Page') ?? '0') || 0);
    const all = this.listedKeys();
    const keys = all.slice(page * pageSize, (page + 1) * pageSize).map((k) => this.describe(k));
    const base = `/2010-04-01/Accounts/${this.account.sid}/Keys.json`;
    const more = (page + 1) * pageSize < all.length;
    return {
      status: 200,
      json: {
        keys,
        page,
        page_size: pageSize,
        first_page_uri: `${base}?PageSize=${pageSize}&Page=0`,
        next_page_uri: more ? `${base}?PageSize=${pageSize}&Page=${page + 1}` : null,
        previous_page_uri: page > 0 ? `${base}?PageSize=${pageSize}&Page=${page - 1}` : null,
        uri: `${base}?PageSize=${pageSize}&Page=${page}`,
      },
    };
  }

  private remove(request: FakeRequest): FakeResponse {
    const refused = this.requireMain(request);
    if (refused) return refused;
    const sid = request.params.sid ?? '';
    if (!this.keys.has(sid)) return error(404, 20404, `The requested resource ${sid} was not found`);
    this.keys.delete(sid);
    return { status: 204 };
  }

  private messages(request: FakeRequest): FakeResponse {
    if (!this.caller(request)) return unauthorized;
    return { status: 200, json: { messages: [], page: 0, page_size: 1, next_page_uri: null } };
  }

  private describe(key: FakeKey) {
    return {
      sid: key.id,
      friendly_name: key.name,
      date_created: key.createdAt.toUTCString(),
      date_updated: key.createdAt.toUTCString(),
    };
  }
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  return new FakeTwilio().start();
}
