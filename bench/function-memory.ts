/**
 * The memory keyturn's Lambda functions get, read from the construct that builds every one of them
 * (KeyturnFunction's default) by synthesizing one in a throwaway stack: the cost model uses what
 * would be deployed, not a copy of the number.
 */
export async function keyturnFunctionMemoryMb(): Promise<number> {
  const [{ App, Stack }, lambda, { Template }, { KeyturnFunction }] = await Promise.all([
    import('aws-cdk-lib'),
    import('aws-cdk-lib/aws-lambda'),
    import('aws-cdk-lib/assertions'),
    import('../infra/constructs/keyturn-function'),
  ]);
  const stack = new Stack(new App(), 'MemoryProbe');
  new KeyturnFunction(stack, 'Probe', {
    entry: 'functions/fleet/handler.ts',
    code: lambda.Code.fromInline('exports.handler = async () => null;'),
  });
  const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')) as {
    Properties: { MemorySize?: number; Architectures?: string[] };
  }[];
  const probe = functions[0]?.Properties;
  if (probe?.MemorySize === undefined || probe.Architectures?.[0] !== 'arm64') {
    throw new Error('KeyturnFunction no longer sets arm64 and a memory size: update the cost model');
  }
  return probe.MemorySize;
}
