// The functions no state machine invokes (stacks/triggered.ts): what triggers them, checked without Pulumi.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RULES, rulePattern } from '../../aws/event-rules';
import { signApprovalLink } from '../../core/approval-link';
import { deploymentNotice, noticeEventOf } from '../../core/notice';
import { localFunctions } from '../../local/functions';
import { deadLetterQueuePolicy } from '../../stacks/policies';
import { functionVariable, handlerOf } from '../../stacks/steps';
import { definitionVariables, STATE_MACHINES } from '../../stacks/substitutions';
import {
  eventRules,
  FUNCTION_ASYNC_RETRY,
  failureDestinationPermission,
  httpRoutes,
  RULE_TARGET_RETRY,
  ruleNameSuffix,
  TRIGGERED_FUNCTIONS,
  timeoutOf,
} from '../../stacks/triggered';
import { root } from './code';

describe('triggered functions deployed by stacks/functions.ts', () => {
  it.each(TRIGGERED_FUNCTIONS.map((spec) => [spec.file, spec] as const))(
    '%s: names a handler file under functions/ that exports handler',
    async (_, spec) => {
      expect(handlerOf(spec)).toBe(`functions/${spec.file}.handler`);
      const module = (await import(`../../functions/${spec.file}.ts`)) as { handler?: unknown };
      expect(typeof module.handler).toBe('function');
    },
  );

  it('are no workflow step: no state machine invokes them, and the local runtime binds none as a step', () => {
    const used = new Set(STATE_MACHINES.flatMap((m) => definitionVariables(m.definition)));
    for (const spec of TRIGGERED_FUNCTIONS) {
      expect(used.has(functionVariable(spec)), spec.id).toBe(false);
      expect(localFunctions[functionVariable(spec)], spec.id).toBeUndefined();
    }
  });

  it('gives HTTP functions 10 s (GitHub waits no longer) and rule targets 30 s', () => {
    expect(Object.fromEntries(TRIGGERED_FUNCTIONS.map((spec) => [spec.id, timeoutOf(spec)]))).toEqual({
      StartPipeline: '30 seconds',
      GithubWebhook: '10 seconds',
      ApprovalPage: '10 seconds',
      ResumeApproval: '30 seconds',
      ResumeTargetWait: '30 seconds',
      Notify: '30 seconds',
    });
  });
});

describe('HTTP API routes', () => {
  it('serves the GitHub webhook and the approval page, each route once', () => {
    const routes = httpRoutes().map(({ route, function: spec }) => [route, spec.file]);
    expect(routes).toEqual([
      ['POST /webhooks/github', 'github-webhook'],
      ['GET /approvals/{id}', 'approval-page'],
      ['POST /approvals/{id}', 'approval-page'],
    ]);
  });

  it('routes the links request-approval signs to the approval page, with the id the page reads', () => {
    const link = new URL(signApprovalLink('https://api.example.com', 'a-1', new Date(0), 'key'));
    const [method, template] = ['GET', '/approvals/{id}'];
    expect(httpRoutes().some((r) => r.route === `${method} ${template}` && r.function.id === 'ApprovalPage')).toBe(
      true,
    );
    expect(link.pathname).toBe(template.replace('{id}', 'a-1'));
    const page = readFileSync(join(root, 'functions/approval-page.ts'), 'utf8');
    expect(page).toContain('request.pathParameters?.id');
  });
});

describe('bus rules', () => {
  it('deploys every rule of aws/event-rules.ts once, on its bus, to the function that handles it', () => {
    const deployed = eventRules('111111111111').map((r) => [r.rule, r.bus, r.target.file]);
    expect(deployed.map(([rule]) => rule).sort()).toEqual(Object.keys(RULES).sort());
    expect(deployed).toEqual([
      ['pushes', 'orchestrator', 'start-pipeline'],
      ['codecommitPushes', 'default', 'start-pipeline'],
      ['approvalDecisions', 'orchestrator', 'resume-approval'],
      ['rolloutsEnded', 'orchestrator', 'resume-target-wait'],
      ['alarmsRaised', 'orchestrator', 'resume-target-wait'],
      ['notifications', 'orchestrator', 'notify'],
      ['forwardedTargetEvents', 'orchestrator', 'notify'],
    ]);
    for (const rule of eventRules('111111111111')) {
      expect(rule.pattern).toEqual(rulePattern(rule.rule, '111111111111'));
    }
    expect(eventRules('111111111111').map((r) => ruleNameSuffix(r.rule))).toEqual([
      'pushes',
      'codecommit-pushes',
      'approval-decisions',
      'rollouts-ended',
      'alarms-raised',
      'notifications',
      'forwarded-target-events',
    ]);
  });

  it("takes crossdeploy's own events from the orchestrator account only, and forwarded ones from any account", () => {
    const accounts = Object.fromEntries(eventRules('111111111111').map((r) => [r.rule, r.pattern.account]));
    expect(accounts).toEqual({
      pushes: ['111111111111'],
      codecommitPushes: ['111111111111'],
      approvalDecisions: ['111111111111'],
      notifications: ['111111111111'],
      forwardedTargetEvents: undefined,
    });
  });

  it("hears on the stage's bus exactly what the target accounts forward there", () => {
    // stacks/target-account.yaml's ForwardRule pattern: what it sends is what forwardedTargetEvents matches.
    const template = parse(readFileSync(join(root, 'stacks/target-account.yaml'), 'utf8')) as {
      Resources: { ForwardRule: { Properties: { EventPattern: unknown } } };
    };
    expect(RULES.forwardedTargetEvents).toEqual(template.Resources.ForwardRule.Properties.EventPattern);
  });

  it('sends every notice crossdeploy puts on its bus to notify', () => {
    const notices = eventRules('111111111111').filter((r) => r.rule === 'notifications');
    expect(notices.map((r) => r.target.id)).toEqual(['Notify']);
    // The events announce-deployment and request-approval put: crossdeploy's source, the notices' detail types.
    expect(RULES.notifications.source).toEqual(['crossdeploy']);
    expect([...RULES.notifications['detail-type']].sort()).toEqual([
      'Approval Waiting',
      'Deployment Failed',
      'Deployment Rolled Back',
      'Deployment Started',
      'Deployment Succeeded',
    ]);
  });

  it('retries within what EventBridge and Lambda accept', () => {
    // EventBridge: 0-185 attempts, 60 s - 24 h; Lambda asynchronous invoke: 0-2 retries, 60 s - 6 h.
    expect(RULE_TARGET_RETRY.maximumRetryAttempts).toBeLessThanOrEqual(185);
    expect(RULE_TARGET_RETRY.maximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(RULE_TARGET_RETRY.maximumEventAgeInSeconds).toBeLessThanOrEqual(86_400);
    expect(FUNCTION_ASYNC_RETRY.maximumRetryAttempts).toBeLessThanOrEqual(2);
    expect(FUNCTION_ASYNC_RETRY.maximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(FUNCTION_ASYNC_RETRY.maximumEventAgeInSeconds).toBeLessThanOrEqual(21_600);
  });

  it("has docs/deploying.md check notify with a notice that notify's rule matches and notify accepts", () => {
    const docs = readFileSync(join(root, 'docs/deploying.md'), 'utf8');
    const json = /cat > notice\.json <<'JSON'\n([\s\S]*?)\nJSON/.exec(docs)?.[1];
    if (!json) throw new Error('docs/deploying.md has no test notice');
    const [entry] = JSON.parse(json) as { EventBusName: string; Source: string; DetailType: string; Detail: string }[];
    expect(entry?.EventBusName).toBe('crossdeploy-prod');
    expect(RULES.notifications.source).toContain(entry?.Source);
    expect(RULES.notifications['detail-type']).toContain(entry?.DetailType);
    const detail = deploymentNotice.parse(JSON.parse(entry?.Detail ?? ''));
    expect(noticeEventOf(entry?.DetailType ?? '')).toBe(detail.event);
    // The queue the docs tell an operator to look at is notify's.
    expect(docs).toContain(
      `--queue-name crossdeploy-prod-${TRIGGERED_FUNCTIONS.find((f) => f.id === 'Notify')?.file}-dead-letters`,
    );
  });

  it("lets EventBridge put undelivered events in a rule target's queue for its own rules only", () => {
    const queue = 'arn:aws:sqs:eu-west-1:111111111111:crossdeploy-test-start-pipeline-dead-letters';
    const rules = [
      'arn:aws:events:eu-west-1:111111111111:rule/crossdeploy-test/crossdeploy-test-pushes',
      'arn:aws:events:eu-west-1:111111111111:rule/crossdeploy-test-codecommit-pushes',
    ];
    expect(JSON.parse(deadLetterQueuePolicy(queue, rules))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'UndeliveredEvents',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: queue,
          Condition: { ArnEquals: { 'aws:SourceArn': [...rules].sort() } },
        },
      ],
    });
    // The function's on-failure destination sends with the function's role, to that queue only.
    expect(failureDestinationPermission(queue)).toEqual({ actions: ['sqs:SendMessage'], resources: [queue] });
  });
});
