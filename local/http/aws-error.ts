/**
 * An error an emulated AWS service answers with. `name` is what the SDK turns into the
 * exception's name (`__type` in AWS JSON, `<Code>` in awsQuery), so callers and Step Functions
 * Retry/Catch can match on it; `httpStatus` decides whether the SDK treats it as retryable.
 */
export class AwsProtocolError extends Error {
  override readonly name: string;
  readonly httpStatus: number;
  /**
   * For AWS JSON services that are awsQuery-compatible (CloudWatch): the awsQuery error code
   * (`InvalidParameterValue`) the answer carries in `x-amzn-query-error`, which the SDK reads.
   */
  readonly queryErrorCode?: string;

  constructor(name: string, message: string, httpStatus: number, queryErrorCode?: string) {
    super(message);
    this.name = name;
    this.httpStatus = httpStatus;
    this.queryErrorCode = queryErrorCode;
  }
}
