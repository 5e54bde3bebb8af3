import { createServer, type Server } from 'node:http';
import { createAwsIamAccess } from '../../../functions/strategies/iam/iam-client';
import { closeServer, listenOnLoopback } from '../../../local/http/listen';
import { freeLoopbackPort } from '../../../local/net/free-port';

/**
 * The IAM/STS adapter's errors, through the real SDK and real HTTP on loopback: a server that
 * answers every call the way IAM and STS answer a refusal (awsQuery XML error bodies, 403), and a
 * port nothing listens on. Every answer is a named error that names the call, never a key's secret.
 */

const SECRET = 'not-a-real-secret-access-key-0000000000';
let server: Server;
let endpoint: string;
let answer: { status: number; code: string; message: string };

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(answer.status, { 'content-type': 'text/xml' });
      response.end(
        `<ErrorResponse><Error><Type>Sender</Type><Code>${answer.code}</Code><Message>${answer.message}</Message></Error>` +
          '<RequestId>4d1a2b3c</RequestId></ErrorResponse>',
      );
    });
  });
  endpoint = await listenOnLoopback(server);
});
afterAll(() => closeServer(server));

async function failure(work: Promise<unknown>): Promise<Error> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).not.toContain(SECRET);
  return error as Error;
}

function pointAt(url: string): void {
  process.env.AWS_ENDPOINT_URL_IAM = url;
  process.env.AWS_ENDPOINT_URL_STS = url;
}

describe('iam-access-key: what IAM and STS refusals become', () => {
  it('access denied on a key call names the action and the user', async () => {
    pointAt(endpoint);
    answer = {
      status: 403,
      code: 'AccessDenied',
      message:
        'User: arn:aws:sts::123456789012:assumed-role/keyturn/x is not authorized to perform: iam:ListAccessKeys',
    };
    const error = await failure(
      createAwsIamAccess()
        .keys(undefined)
        .then((api) => api.listKeys('ci-deploy')),
    );
    expect(error.name).toBe('IamAccessDeniedError');
    expect(error.message).toMatch(/^iam:ListAccessKeys on IAM user "ci-deploy" was denied: User: .* is not authorized/);
  });

  it('a user IAM does not know is IamUserNotFoundError; a refused AssumeRole names the role', async () => {
    pointAt(endpoint);
    answer = { status: 404, code: 'NoSuchEntity', message: 'The user with name ci-deploy cannot be found.' };
    const access = createAwsIamAccess();
    expect((await failure((await access.keys(undefined)).listKeys('ci-deploy'))).name).toBe('IamUserNotFoundError');

    answer = { status: 403, code: 'AccessDenied', message: 'not authorized to perform: sts:AssumeRole' };
    const denied = await failure(access.keys('arn:aws:iam::210987654321:role/keyturn-keys'));
    expect(denied.name).toBe('IamAccessDeniedError');
    expect(denied.message).toContain('sts:AssumeRole on arn:aws:iam::210987654321:role/keyturn-keys');
  });

  it("a key STS refuses is a definite rejection with STS's code, not an error", async () => {
    pointAt(endpoint);
    answer = {
      status: 403,
      code: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
    };
    expect(
      await createAwsIamAccess().identityOf({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET }),
    ).toEqual({
      ok: false,
      code: 'InvalidClientTokenId',
    });
  });

  it('an endpoint that does not answer is TargetUnreachableError', async () => {
    pointAt(`http://127.0.0.1:${await freeLoopbackPort()}`);
    const error = await failure(
      createAwsIamAccess()
        .keys(undefined)
        .then((api) => api.listKeys('ci-deploy')),
    );
    expect(error.name).toBe('TargetUnreachableError');
    expect(error.message).toContain('iam:ListAccessKeys');
  });
});
