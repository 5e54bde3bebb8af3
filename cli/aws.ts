import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';

/** `--region` and `--profile` as the AWS CLI takes them; unset, the SDK's default chain decides (AWS_REGION, AWS_PROFILE, ~/.aws). */
export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

/** The AWS clients the commands use; each command's domain module receives only the ones it needs. */
export interface AwsClients {
  readonly sfn: SFNClient;
  readonly cloudFormation: CloudFormationClient;
  readonly secretsManager: SecretsManagerClient;
  readonly logs: CloudWatchLogsClient;
  readonly iam: IAMClient;
  readonly kms: KMSClient;
}

/**
 * Clients built lazily, so a usage error or `--help` never resolves credentials. Endpoints come from the
 * SDK's own configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SFN, ...), which is how the local stack is reached.
 */
export function createAwsClients(options: AwsOptions): AwsClients {
  const config = {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  };
  let sfn: SFNClient | undefined;
  let cloudFormation: CloudFormationClient | undefined;
  let secretsManager: SecretsManagerClient | undefined;
  let logs: CloudWatchLogsClient | undefined;
  let iam: IAMClient | undefined;
  let kms: KMSClient | undefined;
  return {
    get sfn() {
      return (sfn ??= new SFNClient(config));
    },
    get cloudFormation() {
      return (cloudFormation ??= new CloudFormationClient(config));
    },
    get secretsManager() {
      return (secretsManager ??= new SecretsManagerClient(config));
    },
    get logs() {
      return (logs ??= new CloudWatchLogsClient(config));
    },
    get iam() {
      return (iam ??= new IAMClient(config));
    },
    get kms() {
      return (kms ??= new KMSClient(config));
    },
  };
}
