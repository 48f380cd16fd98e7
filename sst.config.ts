/// <reference path="./.sst/platform/config.d.ts" />

// crossdeploy's orchestrator in the tools account: from a push (GitHub webhook, CodeCommit event) through the
// build, the approval gates and the deployment workflows. Type-check offline with scripts/typecheck-infra.sh.
export default $config({
  app(input) {
    return {
      name: 'crossdeploy',
      removal: input?.stage === 'prod' ? 'retain' : 'remove',
      home: 'aws',
    };
  },
  async run() {
    const { deployRoleName } = await import('./stacks/config');
    const { loadStackMap } = await import('./stacks/map');
    const { mapProblems, orchestratorNames } = await import('./stacks/names');
    const { createTables, createArtifactsBucket, createApprovalTopics, createNotificationsTopic } = await import(
      './stacks/storage'
    );
    const { createSecretParameters } = await import('./stacks/secrets');
    const { createRepositories, createBuildProjects } = await import('./stacks/build');
    const { createReplicas } = await import('./stacks/replication');
    const { createEventBus, createEventBusPolicy, createDeadLetterQueues, createEventRules } = await import(
      './stacks/events'
    );
    const { busOrganizationId } = await import('./stacks/policies');
    const { createApi, routeApi } = await import('./stacks/api');
    const { createStepFunctions, createTriggeredFunctions, grantScope } = await import('./stacks/functions');
    const { createStateMachines } = await import('./stacks/state-machines');
    const { createAlerts } = await import('./stacks/alerts');
    const { createDoctorRole } = await import('./stacks/doctor');
    const { stateMachineArn } = await import('./stacks/arns');

    // The map decides the repositories, the approval topics and what the starter bundles.
    const deployRole = deployRoleName();
    const { file: mapFile, map, bundle: mapBundle } = loadStackMap($cli.paths.root);
    const [identity, region] = await Promise.all([aws.getCallerIdentity({}), aws.getRegion({})]);
    const problems = mapProblems(map, { account: identity.accountId, region: region.region, deployRole }, mapFile);
    if (problems.length > 0) throw new Error(problems.join('\n'));

    const names = orchestratorNames($app.name, $app.stage, map);
    const scope = grantScope(deployRole, names);

    const tables = createTables(names);
    // The application stacks' templates, one per service and commit: their packaging builds write, the steps read.
    const artifacts = createArtifactsBucket(names);
    createApprovalTopics(names);
    // Deployment notices (notify): subscribe to it, or set ChatWebhookUrl (docs/deploying.md, Notifications).
    const notifications = createNotificationsTopic(names);
    const repositories = createRepositories(names.repositories);
    // A replica of each repository in every other region its targets run in, and the rules that fill them.
    createReplicas(names, map);
    const builds = createBuildProjects(scope, names, { repositories, artifacts });
    const bus = createEventBus(names);
    // The target accounts forward their ECS and alarm events here; without an Organization id, no policy.
    createEventBusPolicy(bus, busOrganizationId(map));
    if (map.bootstrap) {
      const { createTargetBootstrap, readTargetAccountTemplate } = await import('./stacks/target-bootstrap');
      createTargetBootstrap(readTargetAccountTemplate($cli.paths.root), {
        settings: map.bootstrap,
        map,
        orchestrator: { account: identity.accountId, deployRole: map.deployRole, eventBusArn: bus.arn },
      });
    }
    const api = createApi();
    // `sst secret set GithubWebhookSecret ...` and `sst secret set LinkSigningKey ...` before the first deploy.
    const githubWebhookSecret = new sst.Secret('GithubWebhookSecret');
    const linkSigningKey = new sst.Secret('LinkSigningKey');
    // Optional: empty (the placeholder) means notify posts to no chat; `sst secret set ChatWebhookUrl URL` turns it on.
    const chatWebhookUrl = new sst.Secret('ChatWebhookUrl', '');
    // The functions read the secrets at run time from SSM (aws/secrets.ts); their environment only names them.
    const secretParameters = createSecretParameters(names, {
      githubWebhookSecret: githubWebhookSecret.value,
      linkSigningKey: linkSigningKey.value,
      chatWebhookUrl: chatWebhookUrl.value,
    });

    const environment = {
      CROSSDEPLOY_EVENT_BUS_NAME: bus.name,
      CROSSDEPLOY_DELIVERIES_TABLE: tables.Deliveries.name,
      CROSSDEPLOY_APPROVALS_TABLE: tables.Approvals.name,
      CROSSDEPLOY_LEASES_TABLE: tables.Leases.name,
      CROSSDEPLOY_WAITS_TABLE: tables.Waits.name,
      CROSSDEPLOY_LEDGER_TABLE: tables.Ledger.name,
      CROSSDEPLOY_TEMPLATES_TABLE: tables.Templates.name,
      CROSSDEPLOY_ARTIFACTS_BUCKET: artifacts.bucket,
      CROSSDEPLOY_IDEMPOTENCY_TABLE: tables.Idempotency.name,
      CROSSDEPLOY_NOTIFICATIONS_TOPIC_ARN: notifications.arn,
      CROSSDEPLOY_CHAT_WEBHOOK_URL_PARAM: secretParameters.chatWebhookUrl,
      CROSSDEPLOY_PUBLIC_URL: api.url,
      CROSSDEPLOY_MAP_FILE: mapFile,
      CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM: secretParameters.githubWebhookSecret,
      CROSSDEPLOY_LINK_SIGNING_KEY_PARAM: secretParameters.linkSigningKey,
      // Built from its name, not taken from the machine: the pipeline's definition names the step functions, so the
      // machine is created after them, and acquire-lease asks whether a lease's holder still runs there.
      CROSSDEPLOY_PIPELINE_ARN: scope.apply((where) => stateMachineArn(where, names.pipeline)),
    };
    const steps = createStepFunctions({ scope, environment, mapBundle });
    const machines = createStateMachines(steps, scope, { buildProjects: builds });
    // An alarm per workflow on failed executions, to crossdeploy-<stage>-alerts.
    const alerts = createAlerts(machines);
    // `crossdeploy doctor` runs as this role (docs/deploying.md, step 6).
    const doctor = createDoctorRole(scope);

    const deadLetters = createDeadLetterQueues();
    const triggered = createTriggeredFunctions({ scope, environment, mapBundle }, deadLetters);
    routeApi(api, triggered);
    createEventRules(map.orchestrator.account, bus, triggered, deadLetters);

    return {
      deployRole,
      api: api.url,
      githubWebhook: $interpolate`${api.url}/webhooks/github`,
      eventBus: bus.name,
      buildProjects: builds.map((build) => build.name),
      pipelineStateMachine: machines.Pipeline.arn,
      deployEnvironmentStateMachine: machines.DeployEnvironment.arn,
      deployTargetStateMachine: machines.DeployTarget.arn,
      rollbackTargetStateMachine: machines.RollbackTarget.arn,
      alertsTopic: alerts.topic.arn,
      notificationsTopic: notifications.arn,
      ledgerTable: tables.Ledger.name,
      templatesTable: tables.Templates.name,
      artifactsBucket: artifacts.bucket,
      doctorRole: doctor.arn,
    };
  },
});
