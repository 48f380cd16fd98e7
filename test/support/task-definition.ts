/**
 * The fields DescribeTaskDefinition returns and RegisterTaskDefinition rejects: a revision derived from the
 * live one must drop every one of them. Written out from the ECS API reference, not read from core.
 */
export const READ_ONLY_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
];
