import type { ServiceLocation } from './arn';
import { EventBridgeError, resourceNotFound } from './errors';
import { matchesEventPattern, parseEventPattern, type EventPattern } from './event-pattern';

/**
 * Rules on the local event buses: an event pattern and up to five targets each, as PutRule and
 * PutTargets make them. Only what delivery needs is modelled: rules with an event pattern (no
 * schedules), enabled or disabled, and targets named by ARN without input transformation.
 */

export const MAX_TARGETS_PER_RULE = 5;

export interface RuleTarget {
  readonly id: string;
  readonly arn: string;
}

export interface Rule {
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  readonly eventPattern: string;
  readonly pattern: EventPattern;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly description?: string;
  readonly targets: Map<string, RuleTarget>;
}

export interface NewRule {
  readonly name: string;
  readonly busName: string;
  readonly eventPattern: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly description?: string;
}

export class EventRules {
  /** Rules by bus name, then rule name. */
  private readonly byBus = new Map<string, Map<string, Rule>>();

  constructor(private readonly location: ServiceLocation) {}

  /** Creates or replaces a rule (its targets stay, as with PutRule); returns its ARN. */
  put(rule: NewRule): string {
    const rules = this.byBus.get(rule.busName) ?? new Map<string, Rule>();
    const targets = rules.get(rule.name)?.targets ?? new Map<string, RuleTarget>();
    const created: Rule = {
      ...rule,
      arn: this.ruleArn(rule.busName, rule.name),
      pattern: parseEventPattern(rule.eventPattern),
      targets,
    };
    rules.set(rule.name, created);
    this.byBus.set(rule.busName, rules);
    return created.arn;
  }

  /** Adds or replaces targets by Id; more than five on one rule is refused as a whole. */
  putTargets(busName: string, ruleName: string, targets: readonly RuleTarget[]): void {
    const rule = this.byBus.get(busName)?.get(ruleName);
    if (!rule) throw resourceNotFound(`Rule ${ruleName} does not exist on EventBus ${busName}.`);
    const ids = new Set([...rule.targets.keys(), ...targets.map((target) => target.id)]);
    if (ids.size > MAX_TARGETS_PER_RULE) {
      throw new EventBridgeError(
        'LimitExceededException',
        `Rule ${ruleName} would have more than ${MAX_TARGETS_PER_RULE} targets.`,
      );
    }
    for (const target of targets) rule.targets.set(target.id, target);
  }

  /** Forgets the rules of a deleted bus. */
  deleteBus(busName: string): void {
    this.byBus.delete(busName);
  }

  /** The enabled rules of a bus whose pattern matches the event. */
  matching(busName: string, event: Readonly<Record<string, unknown>>): Rule[] {
    return [...(this.byBus.get(busName)?.values() ?? [])].filter(
      (rule) => rule.state === 'ENABLED' && matchesEventPattern(rule.pattern, event),
    );
  }

  private ruleArn(busName: string, ruleName: string): string {
    const path = busName === 'default' ? ruleName : `${busName}/${ruleName}`;
    return `arn:aws:events:${this.location.region}:${this.location.accountId}:rule/${path}`;
  }
}
