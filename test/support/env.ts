// Every test talks to loopback only: make sure no SDK client can find real credentials or a real region.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'keyturn-local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'keyturn-local';
delete process.env.AWS_PROFILE;
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'keyturn';
// Quiet by default; the observability tests turn logs and metrics on and capture them.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// Safety net: an SDK client not pointed at a local endpoint fails fast on a dead loopback port
// instead of reaching AWS. Local stacks set per-service endpoints, which take precedence.
process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
// The SDK warns on Node < 22 (docs/contributing.md: notes for contributors); tests need not repeat it in every worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// CDK's built-in CloudFormation template validation compiles a 9 MB WebAssembly module in every test file
// that synthesizes (3-7 s each, most of an infrastructure test file's time). Construct tests run without it;
// the whole-app test turns it on for the templates `cdk synth` deploys (test/infra/support/app.ts), and CI
// runs `cdk synth` (which validates) and cfn-lint on them.
process.env.CDK_VALIDATION ??= 'false';
