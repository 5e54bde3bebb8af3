import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TaskEnvironment } from '../../functions/shared/lifecycle-contract';
import { PACER_TABLE_KEY } from '../../functions/shared/write-pacer-dynamodb';
import { MAX_WRITE_QUOTA_FRACTION } from '../../functions/shared/write-pacing';

/** Properties of a {@link WritePacerTable}. */
export interface WritePacerTableProps {
  /**
   * Secrets Manager writes per second keyturn's rotation functions may make in the region, together: the
   * region's write quota times keyturn's share of it (the policy's `writeQuota`).
   */
  readonly writesPerSecond: number;

  /**
   * The region's write quota, to check `writesPerSecond` against.
   *
   * @default 50
   */
  readonly quotaPerSecond?: number;
}

/** Thrown when a {@link WritePacerTable} is given a pace it cannot keep. */
export class WritePacerTableValidationError extends Error {
  override readonly name = 'WritePacerTableValidationError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

/**
 * The schedule that paces keyturn's Secrets Manager writes in a region (functions/shared/write-pacer.ts): a
 * DynamoDB table holding one item per region, which every rotation function updates once (one conditional
 * `UpdateItem`) before each write. On demand (a rotation makes three reservations; nobody pays for idle
 * capacity), encrypted with an AWS managed key, point-in-time recovery on. It holds a timestamp and no secret:
 * losing it loses nothing but the current queue, so it is not retained.
 */
export class WritePacerTable extends Construct {
  public readonly table: dynamodb.Table;
  public readonly writesPerSecond: number;

  constructor(scope: Construct, id: string, props: WritePacerTableProps) {
    super(scope, id);
    const quota = props.quotaPerSecond ?? 50;
    if (!(Number.isFinite(props.writesPerSecond) && props.writesPerSecond > 0)) {
      throw new WritePacerTableValidationError(this, `writesPerSecond must be positive, got ${props.writesPerSecond}`);
    }
    if (props.writesPerSecond > quota * MAX_WRITE_QUOTA_FRACTION) {
      throw new WritePacerTableValidationError(
        this,
        `writesPerSecond ${props.writesPerSecond} is over ${MAX_WRITE_QUOTA_FRACTION} of the region's quota (${quota}/s): leave the other writers some`,
      );
    }
    this.writesPerSecond = props.writesPerSecond;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: PACER_TABLE_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** What a rotation function needs in its environment to pace its writes on this table. */
  public get environment(): Readonly<Record<string, string>> {
    return {
      [TaskEnvironment.writePacerTable]: this.table.tableName,
      [TaskEnvironment.writesPerSecond]: String(this.writesPerSecond),
    };
  }

  /** Lets `grantee` reserve write slots: `dynamodb:UpdateItem` on this table, nothing else. */
  public grantReserve(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
    });
  }
}
