import * as lambda from 'aws-cdk-lib/aws-lambda';
import { randomBytes } from 'node:crypto';
import { parseCustomSpecs } from '../../../functions/strategies/http/provider-config';
import { providerSpecSchema } from '../../../functions/strategies/http/spec';
import { OptionTag } from '../../../functions/strategies/tag-options';
import { RotationFunction } from '../../../infra/constructs/rotation-function';

import type { PolicyEntryInput } from '../../../infra/policy/schema';
import { httpProviderSpecsOf, strategyTags } from '../../../infra/policy/strategy-tags';
import { ACME_SPEC } from '../../../local/providers/acme';
import { findings, synthesizeApp } from '../support/app';
import { newStack, owner, policyOf } from '../support/infra';
import { policyProblems } from '../support/policy';

const ADMIN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sendgrid/admin-AbCdEf';

const sendgrid: PolicyEntryInput = {
  id: 'mail-key',
  kind: 'http-api-key',
  secret: { name: 'mail/sendgrid-key' },
  owner,
  options: {
    provider: { preset: 'sendgrid' },
    baseUrl: 'https://api.eu.sendgrid.com',
    adminSecret: { arn: ADMIN_ARN },
  },
};
const acme: PolicyEntryInput = {
  id: 'notify-key',
  kind: 'http-api-key',
  secret: { name: 'notify/acme-key' },
  owner,
  options: {
    provider: { spec: ACME_SPEC },
    adminSecret: { arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:acme/admin-AbCdEf' },
  },
};

function problems(...entries: PolicyEntryInput[]): string[] {
  return policyProblems(() => policyOf(entries));
}

describe('http-api-key entries', () => {
  it('name a preset, its region and the admin secret in tags; a spec of their own travels to the function', () => {
    const [mail, notify] = policyOf([sendgrid, acme]).entries;
    if (!mail || !notify) throw new Error('entries missing');

    expect(strategyTags(mail)).toMatchObject({
      [OptionTag.strategy]: 'http-api-key',
      [OptionTag.httpProvider]: 'sendgrid',
      [OptionTag.httpBaseUrl]: 'https://api.eu.sendgrid.com',
      [OptionTag.httpAdminSecret]: ADMIN_ARN,
    });
    expect(strategyTags(notify)[OptionTag.httpProvider]).toBe('acme-notify');
    expect(httpProviderSpecsOf([mail, notify]).map((s) => s.name)).toEqual(['acme-notify']);
    for (const value of Object.values(strategyTags(notify))) expect(value.length).toBeLessThanOrEqual(256);
    expect(mail).toMatchObject({ schedule: { expression: 'rate(90 days)' }, graceSeconds: 86_400 });
  });

  it('refuse what keyturn cannot do, each problem naming the entry and field', () => {
    const { adminSecret: _unused, ...withoutAdmin } = sendgrid.options as Record<string, unknown>;
    const found = problems(
      { ...sendgrid, id: 'created', secret: { name: 'a/b', create: true } },
      { ...sendgrid, id: 'no-admin', secret: { name: 'a/c' }, options: withoutAdmin as never },
      {
        ...sendgrid,
        id: 'elsewhere',
        secret: { name: 'a/d' },
        options: { ...(sendgrid.options as object), baseUrl: 'https://api.sendgrid.com.evil.example' } as never,
      },
      {
        ...acme,
        id: 'plain-http',
        secret: { name: 'a/e' },
        options: {
          ...(acme.options as object),
          provider: { spec: { ...ACME_SPEC, name: 'acme-two', baseUrl: 'http://api.acme-notify.example' } },
        } as never,
      },
      {
        ...acme,
        id: 'shadow',
        secret: { name: 'a/f' },
        options: { ...(acme.options as object), provider: { spec: { ...ACME_SPEC, name: 'twilio' } } } as never,
      },
    );
    expect(found.join('\n')).toMatch(/created.*secret\.create.*keyturn cannot generate a key the provider issues/);
    expect(found.join('\n')).toMatch(
      /no-admin.*options\.adminSecret.*sendgrid mints and revokes keys with an admin credential/,
    );
    expect(found.join('\n')).toMatch(
      /elsewhere.*options\.baseUrl.*host api\.sendgrid\.com\.evil\.example is not among the spec's allowed hosts/,
    );
    expect(found.join('\n')).toMatch(/plain-http.*baseUrl.*is not HTTPS/);
    expect(found.join('\n')).toMatch(/shadow.*"twilio" is a preset's name/);
  });

  it('refuse a spec whose create does not send the name, or whose key-authenticated call sends the admin credential', () => {
    const spec = {
      ...ACME_SPEC,
      name: 'acme-broken',
      create: { ...ACME_SPEC.create, body: { label: 'fixed' } },
      list: { ...ACME_SPEC.list, credential: 'key' },
    };
    const found = problems({ ...acme, options: { ...(acme.options as object), provider: { spec } } as never }).join(
      '\n',
    );
    expect(found).toMatch(/create.*must send \{name\}: the key name carries the rotation token/);
    expect(found).toMatch(/list is authenticated by the key: it cannot use \{admin\.token\}/);
  });
});

describe('the synthesized app with http-api-key entries', () => {
  let built: ReturnType<typeof synthesizeApp>;
  beforeAll(() => {
    built = synthesizeApp({ policy: policyOf([sendgrid, acme]) });
  });

  it('lets the rotation function read each admin credential (GetSecretValue only) and carries the custom spec', () => {
    const template = [...built.templates.values()][1];
    if (!template) throw new Error('no secrets stack');
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties
          .PolicyDocument.Statement,
    );
    const onAdmin = statements.filter((s) => JSON.stringify(s.Resource).includes('sendgrid/admin'));
    expect(onAdmin).toEqual([expect.objectContaining({ Action: 'secretsmanager:GetSecretValue' })]);
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment?: { Variables?: Record<string, string> } };
    }[];
    const env = functions.map((f) => f.Properties.Environment?.Variables?.KEYTURN_HTTP_PROVIDERS).filter(Boolean);
    expect(env).toHaveLength(1);
    expect([...parseCustomSpecs(env[0]).keys()]).toEqual(['acme-notify']);
    expect(findings(built.report)).toEqual([]);
  });
});

describe("the rotation function's own provider specs", () => {
  it('must fit the room the 4 KB environment leaves them, or synth says so', () => {
    const stack = newStack();
    // Compressed, one spec takes about 500 characters and similar ones less: three fit; twenty do not.
    const specs = Array.from({ length: 20 }, (_, i) =>
      providerSpecSchema.parse({
        ...ACME_SPEC,
        name: `acme-${i}`,
        create: { ...ACME_SPEC.create, path: `/v${i}/${randomBytes(24).toString('hex')}/keys` },
        list: { ...ACME_SPEC.list, path: `/v${i}/${randomBytes(24).toString('hex')}/keys` },
      }),
    );
    expect(
      () => new RotationFunction(stack, 'Rotation', { code: lambda.Code.fromInline('x'), httpProviders: specs }),
    ).toThrow(
      /the http-api-key provider specs take \d+ characters compressed, over the 1600 its environment leaves for them/,
    );
    const one = new RotationFunction(stack, 'Fits', {
      code: lambda.Code.fromInline('x'),
      httpProviders: specs.slice(0, 3),
    });
    expect(one.node.id).toBe('Fits');
  });
});
