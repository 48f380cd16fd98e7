import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { applyCredentialsToEnv, clientForAccount, useOrchestratorAccount } from '../local/accounts';
import { startEcsScheduler } from '../local/ecs-scheduler';
import { startMoto } from '../local/moto';
import { seedTarget } from '../local/seed';

process.env.AWS_ACCESS_KEY_ID = 'x';
process.env.AWS_SECRET_ACCESS_KEY = 'x';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_MAX_ATTEMPTS = '1';
const moto = await startMoto();
const sched = await startEcsScheduler({ motoEndpoint: moto.endpoint });
process.env.AWS_ENDPOINT_URL = sched.endpoint;
await seedTarget({ account: '222222222222', region: 'us-east-1', cluster: 'c', service: 'web', container: 'app' });
for (const [label, endpoint] of [
  ['moto', moto.endpoint],
  ['proxy', sched.endpoint],
] as const) {
  const ecs = new ECSClient({ endpoint, region: 'us-east-1' });
  ecs.middlewareStack.add(
    (next) => (args) => {
      (args.request as any).headers['x-moto-account-id'] = '222222222222';
      return next(args);
    },
    { step: 'build' },
  );
  for (let i = 0; i < 20; i++) await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }));
  let t = performance.now();
  for (let i = 0; i < 200; i++) await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }));
  console.log(label, 'sequential ms/call', ((performance.now() - t) / 200).toFixed(2));
  t = performance.now();
  await Promise.all(
    Array.from({ length: 200 }, () => ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))),
  );
  console.log(label, 'concurrent200 ms/call', ((performance.now() - t) / 200).toFixed(2));
}
await sched.stop();
await moto.stop();
