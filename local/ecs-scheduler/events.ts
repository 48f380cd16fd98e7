// The events AWS services put on a target account's default bus, which crossdeploy's bootstrap forwards to the
// orchestrator's bus: ECS's deployment state changes and CloudWatch's alarm state changes. moto sends neither, so
// the scheduler puts them there itself, each once the state it describes is what moto and the simulation answer.

import type { FaultBook, Where } from './faults';
import type { MotoApi } from './moto-api';
import type { DeploymentStateChange } from './simulation';

export interface PublishedEvent {
  account: string;
  region: string;
  detailType: string;
  resources: string[];
  detail: Record<string, unknown>;
  /** Wall-clock ms at which the event was on the bus: moto runs the bus's rules within PutEvents. */
  at: number;
}

interface BusEvent {
  source: string;
  detailType: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export class EventPublisher {
  #published: PublishedEvent[] = [];
  #epoch = 0;

  constructor(private readonly deps: { moto: MotoApi; faults: FaultBook; clock: () => Date }) {}

  reset(): void {
    this.#published = [];
    this.#epoch += 1;
  }

  published(): PublishedEvent[] {
    return this.#published.map((event) => ({ ...event }));
  }

  /** ECS's event for a deployment of the service: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html */
  deployment(where: Where, serviceArn: string, change: DeploymentStateChange): Promise<void> {
    return this.#publish(where, {
      source: 'aws.ecs',
      detailType: 'ECS Deployment State Change',
      resources: [serviceArn],
      detail: { ...change },
    });
  }

  /** CloudWatch's event for an alarm: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html */
  alarm(where: Where, alarmName: string, state: AlarmState, previousState: AlarmState): Promise<void> {
    return this.#publish(where, {
      source: 'aws.cloudwatch',
      detailType: 'CloudWatch Alarm State Change',
      resources: [`arn:aws:cloudwatch:${where.region}:${where.account}:alarm:${alarmName}`],
      detail: { alarmName, state, previousState },
    });
  }

  /**
   * Puts the event on `where`'s default bus. A failure is reported, not thrown: ECS and CloudWatch answer their
   * own calls whatever becomes of their events.
   */
  async #publish(where: Where, event: BusEvent): Promise<void> {
    if (this.deps.faults.losesEvents(where)) return;
    const epoch = this.#epoch;
    try {
      await this.deps.moto.putEvents(where, [
        {
          Source: event.source,
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
          Resources: event.resources,
          Time: this.deps.clock().getTime() / 1000,
        },
      ]);
    } catch (error) {
      const place = `${where.account}/${where.region}`;
      console.error(`ecs scheduler: ${event.detailType} in ${place} not published: ${(error as Error).message}`);
      return;
    }
    // A step that was under way when the scheduler was reset belongs to the world before.
    if (epoch !== this.#epoch) return;
    const { detailType, resources, detail } = event;
    this.#published.push({
      account: where.account,
      region: where.region,
      detailType,
      resources,
      detail,
      at: Date.now(),
    });
  }
}

export interface AlarmState {
  value: string;
  reason: string;
  /** As CloudWatch writes it: `2019-10-02T17:04:40.989+0000`. */
  timestamp?: string;
}

/**
 * An alarm the scheduler never saw set is taken as CloudWatch creates one: nothing was evaluated yet. Its first
 * state set through the scheduler is then a change, which it is for an alarm just made by PutMetricAlarm.
 */
const UNSEEN: AlarmState = { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation' };

/** CloudWatch sends an alarm's event only when its state changes: the last state set through the scheduler, per alarm. */
export class AlarmStates {
  #known = new Map<string, AlarmState>();

  constructor(private readonly deps: { events: EventPublisher; clock: () => Date }) {}

  reset(): void {
    this.#known.clear();
  }

  /** Notes a state moto accepted for the alarm, and sends CloudWatch's event when it is a change. */
  async set(where: Where, alarmName: string, value: string, reason: string): Promise<void> {
    const key = `${where.account}/${where.region}/${alarmName}`;
    const previous = this.#known.get(key) ?? UNSEEN;
    if (previous.value === value) return;
    const state = { value, reason, timestamp: this.deps.clock().toISOString().replace('Z', '+0000') };
    this.#known.set(key, state);
    await this.deps.events.alarm(where, alarmName, state, previous);
  }
}
