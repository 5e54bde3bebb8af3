import { Duration, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { KMS_EVENT_SOURCE, KmsEventType } from '../../../functions/kms-key/kms-events';
import { KeyAuditEventType } from '../../../functions/kms-key/tasks';
import { AUDIT_EVENT_SOURCE } from '../../../functions/shared/metric-names';
import type { RotatedKey } from '../kms-keys/rotated-keys';
import { type StarterInput, starterJobs } from './rewrap-start-input';

/**
 * When a key's material changed, the rules that start `rewrap-start.asl.json` with the key's jobs.
 *
 * Why a rule → starter state machine → re-wrap executions, and not a rule targeting the re-wrap state machine: an
 * EventBridge rule's Step Functions target cannot name the execution, so a redelivered event, or KMS's event and
 * keyturn's for the same on-demand rotation, would each start a job over the same table (twice the KMS quota,
 * conflicting writes). The starter names each execution after the change (the new material's id, or the new key's
 * ARN), and Step Functions itself refuses a second execution of a name. It is a definition, not code: no function to
 * build, and nothing to keep in sync with the Step Functions API.
 *
 * - On the default bus, KMS's own `KMS CMK Rotation` event for the key (automatic or on-demand, whoever started it),
 *   identity `detail.current-key-material-id`.
 * - On keyturn's audit bus (see {@link listenToAuditEvents}): `KeyMaterialRotated` (keyturn's on-demand rotation,
 *   verified), identity `detail.keyMaterialId`: the same id as KMS's event, so the two start one job; and, for a key
 *   that may be replaced, `KeyAliasMoved` (the alias now names a new key), identity `detail.to`, the key the alias
 *   left (`detail.from`) added to the allowed sources. Not `KeyRotationCompleted`: a replacement completes after the
 *   old key was disabled, and ReEncrypt cannot read from a disabled key. The re-wrap runs in the grace window.
 * Events without the identity field are not matched (KMS sends its events best effort; start a job by hand then).
 */

/** EventBridge's limit on an input template (InputTransformer.InputTemplate, characters). */
export const MAX_INPUT_TEMPLATE_CHARACTERS = 8192;
/**
 * What a value resolved later takes in the template, at most: a key ARN CloudFormation fills in (about 100
 * characters in the longest partition and Region names) or an event field (`<name>`, filled by EventBridge).
 */
const RESOLVED_TOKEN_ALLOWANCE = 128;
/** How long EventBridge keeps trying to deliver a trigger (its default: 24 hours, 185 attempts). */
const MAX_EVENT_AGE = Duration.hours(24);

/** Thrown when a key's jobs cannot fit a rule's input; the message names the key. */
export class RewrapTriggerError extends Error {
  override readonly name = 'RewrapTriggerError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

/** Properties of {@link RewrapTriggers}. */
export interface RewrapTriggersProps {
  /** The key, with at least one re-wrap job. */
  readonly key: RotatedKey;
  /** The starter state machine. */
  readonly starter: sfn.IStateMachine;
}

/** The triggers of one key's re-wrap jobs. */
export class RewrapTriggers extends Construct {
  /** KMS's `KMS CMK Rotation` of the key, on the default bus. */
  public readonly kmsRotationRule: events.Rule;
  /** keyturn's events of the key, once {@link listenToAuditEvents} connected the audit bus. */
  public readonly auditRules: events.Rule[] = [];

  private readonly key: RotatedKey;
  private readonly starter: sfn.IStateMachine;

  constructor(scope: Construct, id: string, props: RewrapTriggersProps) {
    super(scope, id);
    this.key = props.key;
    this.starter = props.starter;
    this.kmsRotationRule = this.rule('KmsRotation', {
      description: `keyturn: re-wraps the data keys of KMS key ${this.key.entry.id} after KMS rotated its material`,
      eventPattern: {
        source: [KMS_EVENT_SOURCE],
        detailType: [KmsEventType.Rotation],
        resources: [this.key.key.keyArn],
        detail: { 'current-key-material-id': events.Match.exists() },
      },
      trigger: KmsEventType.Rotation,
      identityPath: '$.detail.current-key-material-id',
    });
  }

  /** Adds the rules of keyturn's own events of the key, on `bus`. */
  public listenToAuditEvents(bus: events.IEventBus): void {
    const entryId = this.key.entry.id;
    this.auditRules.push(
      this.rule('KeyMaterialRotated', {
        eventBus: bus,
        description: `keyturn: re-wraps the data keys of KMS key ${entryId} after keyturn rotated its material`,
        eventPattern: {
          source: [AUDIT_EVENT_SOURCE],
          detailType: [KeyAuditEventType.MaterialRotated],
          detail: { entryId: [entryId], keyMaterialId: events.Match.exists() },
        },
        trigger: KeyAuditEventType.MaterialRotated,
        identityPath: '$.detail.keyMaterialId',
      }),
    );
    if (!this.key.replaceable) return;
    this.auditRules.push(
      this.rule('KeyAliasMoved', {
        eventBus: bus,
        description: `keyturn: re-wraps the data keys of KMS key ${entryId} to the key its alias moved to`,
        eventPattern: {
          source: [AUDIT_EVENT_SOURCE],
          detailType: [KeyAuditEventType.AliasMoved],
          detail: { entryId: [entryId], to: events.Match.exists(), from: events.Match.exists() },
        },
        trigger: KeyAuditEventType.AliasMoved,
        identityPath: '$.detail.to',
        extraSources: [events.EventField.fromPath('$.detail.from')],
      }),
    );
  }

  private rule(
    id: string,
    options: {
      readonly eventBus?: events.IEventBus;
      readonly description: string;
      readonly eventPattern: events.EventPattern;
      readonly trigger: string;
      readonly identityPath: string;
      readonly extraSources?: readonly string[];
    },
  ): events.Rule {
    const input: StarterInput = {
      entryId: this.key.entry.id,
      trigger: options.trigger,
      identity: events.EventField.fromPath(options.identityPath),
      jobs: starterJobs(this.key, options.extraSources),
    };
    this.checkSize(input);
    return new events.Rule(this, id, {
      eventBus: options.eventBus,
      description: options.description,
      eventPattern: options.eventPattern,
      targets: [
        new targets.SfnStateMachine(this.starter, {
          input: events.RuleTargetInput.fromObject(input),
          maxEventAge: MAX_EVENT_AGE,
        }),
      ],
    });
  }

  /** The input template, with every unresolved value at its longest, must fit EventBridge's limit. */
  private checkSize(input: StarterInput): void {
    const longest = JSON.stringify(input, (_key, value: unknown) =>
      typeof value === 'string' && Token.isUnresolved(value) ? 'x'.repeat(RESOLVED_TOKEN_ALLOWANCE) : value,
    ).length;
    if (longest > MAX_INPUT_TEMPLATE_CHARACTERS) {
      throw new RewrapTriggerError(
        this,
        `the re-wrap jobs of key "${this.key.entry.id}" take up to ${longest} characters in a rule's input, more than ` +
          `EventBridge allows (${MAX_INPUT_TEMPLATE_CHARACTERS}): fewer jobs, segments or allowedSourceKeys`,
      );
    }
  }
}
