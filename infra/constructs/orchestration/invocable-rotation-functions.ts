import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** What {@link InvocableRotationFunctions.bind} gives a role. */
export interface InvocableRotationFunctionsConfig {
  readonly statements: iam.PolicyStatement[];
  /** The cdk-nag finding a wildcard resource raises, and why it is acceptable. */
  readonly acknowledgement?: { readonly id: string; readonly reason: string };
}

const LAMBDA_FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;

/**
 * The rotation functions a lifecycle state machine may invoke for the tasks that reach a secret's target. The
 * state machine learns which one from the secret (`RotationLambdaARN`), so its role must allow every keyturn
 * rotation function, and only those. The functions live in the secrets stacks, which depend on the core stack
 * that holds the state machines, so the core cannot reference them:
 *
 * - {@link InvocableRotationFunctions.named}: by the physical names the app gives them (known at synthesis, no
 *   cross-stack reference), exactly those ARNs. What keyturn's app uses: least privilege without a wildcard.
 * - {@link InvocableRotationFunctions.taggedWith}: every function of the account and region carrying a tag
 *   (Lambda evaluates `aws:ResourceTag/...` on `InvokeFunction`), for rotation functions named by
 *   CloudFormation.
 *
 * Either way the grant covers the unqualified function ARN only: keyturn's rotation functions publish no versions
 * or aliases, and Secrets Manager holds the unqualified ARN.
 */
export abstract class InvocableRotationFunctions {
  /** The functions with these names, in the state machine's account and region. */
  public static named(...names: string[]): InvocableRotationFunctions {
    if (names.length === 0) throw new Error('InvocableRotationFunctions.named needs at least one function name');
    const bad = names.find((name) => !LAMBDA_FUNCTION_NAME.test(name));
    if (bad !== undefined) {
      throw new Error(
        `InvocableRotationFunctions.named needs Lambda function names (1-64 of a-z A-Z 0-9 - _), got "${bad}"`,
      );
    }
    return new (class extends InvocableRotationFunctions {
      public bind(scope: Construct): InvocableRotationFunctionsConfig {
        const stack = Stack.of(scope);
        const arns = [...new Set(names)].sort().map((functionName) => functionArn(stack, functionName));
        return { statements: [new iam.PolicyStatement({ actions: [INVOKE], resources: arns })] };
      }
    })();
  }

  /**
   * Every function of the account and region tagged `key` = `value` (keyturn tags its rotation functions
   * `keyturn:managed=true`).
   */
  public static taggedWith(key: string, value: string): InvocableRotationFunctions {
    if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u.test(key)) {
      throw new Error(`InvocableRotationFunctions.taggedWith needs a tag key (1-128 tag characters), got "${key}"`);
    }
    return new (class extends InvocableRotationFunctions {
      public bind(scope: Construct): InvocableRotationFunctionsConfig {
        return {
          statements: [
            new iam.PolicyStatement({
              actions: [INVOKE],
              resources: [functionArn(Stack.of(scope), '*')],
              conditions: { StringEquals: { [`aws:ResourceTag/${key}`]: value } },
            }),
          ],
          acknowledgement: {
            id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*]',
            reason:
              `lambda:InvokeFunction only on functions tagged ${key}=${value} (attribute-based access control, ` +
              "which Lambda evaluates for InvokeFunction): keyturn's rotation functions live in stacks that depend " +
              'on this one, so they cannot be named here; the state machine invokes the function a managed ' +
              "secret names as its rotation function (DescribeSecret's RotationLambdaARN).",
          },
        };
      }
    })();
  }

  /** The statements allowing `lambda:InvokeFunction` on these functions. */
  public abstract bind(scope: Construct): InvocableRotationFunctionsConfig;

  /** Lets `role` invoke these functions, in a policy of its own (`id`, in `scope`). */
  public grantInvoke(scope: Construct, id: string, role: iam.IRole): iam.Policy {
    const config = this.bind(scope);
    const policy = new iam.Policy(scope, id, { roles: [role], statements: config.statements });
    if (config.acknowledgement) Validations.of(policy).acknowledge(config.acknowledgement);
    return policy;
  }
}

const INVOKE = 'lambda:InvokeFunction';

function functionArn(stack: Stack, functionName: string): string {
  return stack.formatArn({
    service: 'lambda',
    resource: 'function',
    resourceName: functionName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
