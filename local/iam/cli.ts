import { startLocalCloudTrail } from '../cloudtrail';
import { portFlag, runEmulatorCommandLine } from '../control/command-line';
import { startLocalIam } from './local-iam';

/**
 * Runs the local IAM and STS on their own, with the local CloudTrail that records their calls:
 *   npx tsx local/iam/cli.ts [--iam-port N] [--sts-port N] [--cloudtrail-port N] [--region R] [--account-id A] [--activation-delay-ms MS]
 * The admin key is AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when both are set (nothing secret is
 * printed then); otherwise a fresh throwaway local key is made and printed once, since it is the
 * only way in. Prints the endpoints, then serves until interrupted.
 */

runEmulatorCommandLine({
  usage:
    'usage: tsx local/iam/cli.ts [--iam-port N] [--sts-port N] [--cloudtrail-port N] [--region R] [--account-id A] [--activation-delay-ms MS]',
  options: {
    'iam-port': { type: 'string' },
    'sts-port': { type: 'string' },
    'cloudtrail-port': { type: 'string' },
    region: { type: 'string' },
    'account-id': { type: 'string' },
    'activation-delay-ms': { type: 'string' },
  },
  start: async (flags) => {
    const delay = flags['activation-delay-ms'] === undefined ? 0 : Number(flags['activation-delay-ms']);
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
    const fromEnvironment = accessKeyId !== undefined && secretAccessKey !== undefined;
    const iam = await startLocalIam({
      ...(fromEnvironment ? { adminCredentials: { accessKeyId, secretAccessKey } } : {}),
      iamPort: portFlag(flags['iam-port'], '--iam-port'),
      stsPort: portFlag(flags['sts-port'], '--sts-port'),
      region: flags.region,
      accountId: flags['account-id'],
      keyActivationDelayMs: delay,
    });
    // The event history of the IAM's Region and account (IAM's own calls are recorded in us-east-1).
    const cloudTrail = await startLocalCloudTrail({
      port: portFlag(flags['cloudtrail-port'], '--cloudtrail-port'),
      region: iam.region,
      accountId: iam.accountId,
    }).catch(async (error: unknown) => {
      await iam.stop();
      throw error;
    });
    cloudTrail.follow(iam);
    console.log(`local IAM listening on ${iam.iamEndpoint}, local STS on ${iam.stsEndpoint}`);
    console.log(`  export AWS_ENDPOINT_URL_IAM=${iam.iamEndpoint}`);
    console.log(`  export AWS_ENDPOINT_URL_STS=${iam.stsEndpoint}`);
    console.log(`local CloudTrail (event history of ${cloudTrail.region}) on ${cloudTrail.endpoint}`);
    console.log(`  export AWS_ENDPOINT_URL_CLOUDTRAIL=${cloudTrail.endpoint}`);
    if (fromEnvironment) {
      console.log(`  the admin user ${iam.adminArn} signs with AWS_ACCESS_KEY_ID ${iam.adminCredentials.accessKeyId}`);
    } else {
      console.log(`  # the admin user ${iam.adminArn}, with a throwaway key made for this run:`);
      console.log(`  export AWS_ACCESS_KEY_ID=${iam.adminCredentials.accessKeyId}`);
      console.log(`  export AWS_SECRET_ACCESS_KEY=${iam.adminCredentials.secretAccessKey}`);
    }
    console.log(`  control surfaces: ${iam.iamEndpoint}/_keyturn/health, ${cloudTrail.endpoint}/_keyturn/health`);
    return () => Promise.all([iam.stop(), cloudTrail.stop()]);
  },
});
