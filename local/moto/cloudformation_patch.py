"""CloudFormation change sets in moto 5.2.1, made to behave like AWS's where crossdeploy's stack workflow depends on it.

moto executes a change set inside the ExecuteChangeSet call itself, and there it:
- answers ExecuteChangeSet with the error of a resource it cannot create, leaving the stack half-made in
  REVIEW_IN_PROGRESS ("TODO: handle execution errors and implement rollback" in models.py);
- never rebuilds the stack's outputs: a stack created by a change set has none, one updated by a change set keeps
  its old ones;
- records no resource events, only the stack's own.
And it takes change sets AWS refuses: a second CREATE for a stack that exists, an UPDATE of a stack in
ROLLBACK_COMPLETE, the execution of a change set that failed or already ran, a template with IAM resources whose
capabilities were not acknowledged, a service role (RoleARN) that does not exist or does not trust CloudFormation. It refuses one that AWS takes: a change set without changes, which AWS creates
and fails with "didn't contain changes".

One resource type is patched too: moto makes an AWS::ECS::TaskDefinition of its family, containers, volumes and memory
only, dropping its roles, network mode, cpu, compatibilities and runtime platform, which a service template sets and
every revision crossdeploy derives from the live one carries on.

Each patch below says which AWS behaviour it reproduces and where AWS documents it. The rest of moto stays as it is:
CreateStack, UpdateStack, DeleteStack, DescribeStacks (a deleted stack is "Stack with id X does not exist" by name
and DELETE_COMPLETE by id, as in AWS), StackSets. Execution stays synchronous: when ExecuteChangeSet returns, the
stack has already reached its final status; the *_IN_PROGRESS statuses it went through show in its events only.
"""

import threading
import uuid

EXECUTE_CHANGE_SET_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html"

# Statuses AWS lets a stack be updated from; any other refuses an UPDATE change set. RollbackStack's page lists them
# as the "last known stable state": https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_RollbackStack.html
UPDATABLE = {
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
}

# IAM resource types that need an acknowledged capability, with the property that gives one a custom name (which needs
# CAPABILITY_NAMED_IAM): the Capabilities parameter of
# https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html
IAM_RESOURCE_NAMES = {
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": None,
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": None,
}

# What the change set being executed did so far, for its rollback. Per thread: moto's server answers each request on
# its own thread, and executes a change set within one request.
_executing = threading.local()
# The Capabilities of the CreateChangeSet request being answered, which moto's backend method is not given.
_request = threading.local()


class _Execution:
    def __init__(self):
        self.created = []  # (stack id, logical id), in creation order
        self.updated = []
        self.errors = {}  # logical id -> the first error it raised (moto retries a failed update, with other errors)


def patch_models(models):
    """Runs once moto.cloudformation.models (and with it parsing) has been imported."""
    import moto.cloudformation.parsing as parsing
    from moto.cloudformation.exceptions import CloudFormationError, ValidationError

    class InsufficientCapabilities(CloudFormationError):
        code = "InsufficientCapabilitiesException"

    class InvalidChangeSetStatus(CloudFormationError):
        code = "InvalidChangeSetStatus"

    class ChangeSetNotFound(CloudFormationError):
        code = "ChangeSetNotFound"

    def stack_of(resource_map):
        backend = models.cloudformation_backends[resource_map._account_id][resource_map._region_name]
        return backend.stacks.get(resource_map.stack_id)

    def record(stack, logical_id, resource_type, status, physical_id="", reason=None):
        """A resource's event, as DescribeStackEvents lists them next to the stack's own (moto records only those):
        https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html"""
        event = models.Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id,
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
        event.sendToSns(stack.account_id, stack.region_name, stack.notification_arns)
        stack.events.append(event)

    def physical_id_of(resource):
        try:
            return str(getattr(resource, "physical_resource_id", "") or "")
        except Exception:
            return ""

    def reported(action, run):
        """Wraps parsing's parse_and_create_resource or parse_and_update_resource: a resource that comes out records
        its *_IN_PROGRESS and *_COMPLETE events (after any resource it refers to, which moto creates first on the way);
        one that fails is marked on the error, innermost first, so the execution can report it as *_FAILED. moto retries
        a failed update a few times, so the failure is reported once, by the execution, not here."""

        def wrapper(logical_id, resource_json, resources_map, account_id, region_name):
            original = resources_map._parsed_resources.get(logical_id) if action == "UPDATE" else None
            try:
                resource = run(logical_id, resource_json, resources_map, account_id, region_name)
            except Exception as error:
                if not hasattr(error, "cfn_failed_resource"):
                    error.cfn_failed_resource = (action, logical_id)
                execution = getattr(_executing, "current", None)
                if execution is not None:
                    execution.errors.setdefault(logical_id, error)
                raise
            if action == "UPDATE" and resource is None:
                # moto has no update for this type (AWS::EC2::Subnet, AWS::EC2::VPC, ...) and would forget the
                # resource, which DeleteStack then never deletes. Keep the one that exists.
                resource = original
            stack = stack_of(resources_map)
            if resource is not None and stack is not None:
                resource_type = resource_json.get("Type")
                record(stack, logical_id, resource_type, f"{action}_IN_PROGRESS")
                record(stack, logical_id, resource_type, f"{action}_COMPLETE", physical_id_of(resource))
                execution = getattr(_executing, "current", None)
                if execution is not None:
                    done = execution.created if action == "CREATE" else execution.updated
                    done.append((resources_map.stack_id, logical_id))
            return resource

        return wrapper

    patch_task_definition()
    add_metric_alarm(parsing)
    mask_no_echo_parameters(models)

    create_resource, update_resource = parsing.parse_and_create_resource, parsing.parse_and_update_resource
    parsing.parse_and_create_resource = reported("CREATE", create_resource)
    parsing.parse_and_update_resource = reported("UPDATE", update_resource)

    delete_resource = parsing.ResourceMap._delete_resource

    def _delete_resource(self, parsed_resource, resource_json):
        # Events only once deleted: moto tries deletions in any order and retries the ones a dependency blocked, and a
        # DELETE_FAILED for such a try would read as a real failure.
        delete_resource(self, parsed_resource, resource_json)
        stack = stack_of(self)
        logical_id = getattr(parsed_resource, "logical_resource_id", None)
        if stack is not None and logical_id:
            record(stack, logical_id, resource_json.get("Type"), "DELETE_IN_PROGRESS", physical_id_of(parsed_resource))
            record(stack, logical_id, resource_json.get("Type"), "DELETE_COMPLETE", physical_id_of(parsed_resource))

    parsing.ResourceMap._delete_resource = _delete_resource

    def resource_type(template_dict, logical_id):
        return ((template_dict.get("Resources") or {}).get(logical_id) or {}).get("Type")

    def failure_reason(error, resource_type):
        """A resource's ResourceStatusReason, in the shape AWS gives a resource handler's error."""
        message = getattr(error, "message", None) or str(error)
        if isinstance(getattr(error, "code", None), str) or hasattr(error, "error_type"):  # an AWS error moto raised
            status = error.code if isinstance(error.code, int) else 400
            service = (resource_type or "AWS::Unknown::").split("::")[1].capitalize()
            return (
                f'Resource handler returned message: "{message} (Service: {service}, Status Code: {status}, '
                f'Request ID: {uuid.uuid4()})" (RequestToken: {uuid.uuid4()}, HandlerErrorCode: InvalidRequest)'
            )
        # Not an AWS error but moto's own failure: say so rather than dress it up as AWS's.
        return f"moto could not provision this resource: {type(error).__name__}: {message}"

    def find_change_set(backend, name_or_id, stack_name_or_id):
        """By ARN, or by name among the named stack's change sets: moto looks a name up across every stack of the
        account and region, so two stacks with a change set of the same name get each other's."""
        if name_or_id in backend.change_sets:
            return backend.change_sets[name_or_id]
        for change_set in reversed(list(backend.change_sets.values())):
            if change_set.change_set_name == name_or_id and (
                not stack_name_or_id or stack_name_or_id in (change_set.stack_name, change_set.stack_id)
            ):
                return change_set
        raise ChangeSetNotFound(f"ChangeSet [{name_or_id}] does not exist")

    def required_capability(template_dict):
        required = None
        for resource in ((template_dict or {}).get("Resources") or {}).values():
            kind = resource.get("Type") if isinstance(resource, dict) else None
            if kind not in IAM_RESOURCE_NAMES:
                continue
            name_property = IAM_RESOURCE_NAMES[kind]
            if name_property and name_property in (resource.get("Properties") or {}):
                return "CAPABILITY_NAMED_IAM"
            required = "CAPABILITY_IAM"
        return required

    def check_service_role(role_arn):
        # CloudFormation acts as the role the change set names, which must exist and trust cloudformation.amazonaws.com
        # (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html); AWS refuses the
        # change set otherwise. moto takes any ARN.
        from urllib.parse import unquote

        from moto.iam.models import iam_backends

        parts = role_arn.split(":")
        refused = ValidationError(message=f"Role {role_arn} is invalid or cannot be assumed")
        if len(parts) != 6 or not parts[5].startswith("role/"):
            raise refused
        try:
            role = iam_backends[parts[4]][parts[1]].get_role(parts[5].split("/")[-1])
        except Exception:
            raise refused from None
        if "cloudformation.amazonaws.com" not in unquote(role.assume_role_policy_document or ""):
            raise refused

    create_change_set = models.CloudFormationBackend.create_change_set

    def _create_change_set(self, stack_name, change_set_name, template, parameters, description, change_set_type,
                           notification_arns=None, tags=None, role_arn=None):
        existing = next((s for s in self.stacks.values() if stack_name in (s.name, s.stack_id)), None)
        if change_set_type == "CREATE" and existing is not None and existing.status != "REVIEW_IN_PROGRESS":
            # AWS refuses a CREATE change set for a stack that exists, whatever its status, REVIEW_IN_PROGRESS aside.
            raise ValidationError(
                message=f"Stack [{stack_name}] already exists and cannot be created again with the changeSet "
                f"[{change_set_name}]."
            )
        if change_set_type == "UPDATE" and existing is not None and existing.status not in UPDATABLE:
            # A stack whose creation rolled back can only be deleted: "When in this state, only a delete operation can
            # be performed" (ROLLBACK_COMPLETE in https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes).
            raise ValidationError(
                message=f"Stack:{existing.stack_id} is in {existing.status} state and can not be updated."
            )
        if role_arn:
            check_service_role(role_arn)
        capabilities = getattr(_request, "capabilities", None)
        if capabilities is not None:
            try:
                template_dict = template if isinstance(template, dict) else models.Stack.parse_template(template)
            except Exception:
                template_dict = {}  # moto's own parsing reports a template it cannot read
            required = required_capability(template_dict)
            acknowledged = required is None or required in capabilities or "CAPABILITY_NAMED_IAM" in capabilities
            if not acknowledged:
                raise InsufficientCapabilities(f"Requires capabilities : [{required}]")
        change_set_id, stack_id = create_change_set(
            self, existing.name if existing else stack_name, change_set_name, template, parameters, description,
            change_set_type, notification_arns, tags, role_arn,
        )
        if change_set_type == "CREATE" and existing is not None:
            # Another CREATE change set for a stack still in REVIEW_IN_PROGRESS belongs to that stack (moto made a
            # second stack of the same name).
            del self.stacks[stack_id]
            change_set = self.change_sets[change_set_id]
            change_set.stack, change_set.stack_id = existing, existing.stack_id
            stack_id = existing.stack_id
        return change_set_id, stack_id

    models.CloudFormationBackend.create_change_set = _create_change_set

    def _describe_change_set(self, change_set_name, stack_name=None):
        return find_change_set(self, change_set_name, stack_name)

    models.CloudFormationBackend.describe_change_set = _describe_change_set

    def _execute_change_set(self, change_set_name, stack_name=None):
        """ExecuteChangeSet starts the operation and returns; its outcome is the stack's status and events, never the
        call's answer: "After the call successfully completes, CloudFormation starts updating the stack. Use the
        DescribeStacks action to view the status" (EXECUTE_CHANGE_SET_DOC)."""
        change_set = find_change_set(self, change_set_name, stack_name)
        if change_set.execution_status != "AVAILABLE":
            # A FAILED change set ("didn't contain changes") or one already executed cannot run (InvalidChangeSetStatus
            # in EXECUTE_CHANGE_SET_DOC).
            status = change_set.status if change_set.status != "CREATE_COMPLETE" else change_set.execution_status
            raise InvalidChangeSetStatus(
                f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status of [{status}]"
            )
        stack = self.stacks[change_set.stack_id]
        change_set.execution_status = "EXECUTE_IN_PROGRESS"
        _executing.current = _Execution()
        try:
            succeeded = (create if change_set.change_set_type == "CREATE" else update)(self, stack, change_set)
        finally:
            _executing.current = None
        change_set.execution_status = "EXECUTE_COMPLETE" if succeeded else "EXECUTE_FAILED"
        # "When you execute a change set, CloudFormation deletes all other change sets associated with the stack"
        # (EXECUTE_CHANGE_SET_DOC).
        for other in [i for i, c in self.change_sets.items() if c.stack_id == stack.stack_id and c is not change_set]:
            del self.change_sets[other]

    models.CloudFormationBackend.execute_change_set = _execute_change_set

    def failed_resource(error):
        """The resource whose failure ended the operation, its first error, and the stack's StackStatusReason for it.
        An error no resource raised is template-level (a missing parameter, a duplicate export): the reason is the
        error itself."""
        action, logical_id = getattr(error, "cfn_failed_resource", (None, None))
        if logical_id is None:
            return None, None, error, getattr(error, "message", None) or str(error)
        error = _executing.current.errors.get(logical_id, error)
        return action, logical_id, error, f"The following resource(s) failed to {action.lower()}: [{logical_id}]."

    def register_exports(backend, stack):
        for name in [name for name, export in backend.exports.items() if export.exporting_stack_id == stack.stack_id]:
            del backend.exports[name]
        backend._validate_export_uniqueness(stack)
        for export in stack.exports:
            backend.exports[export.name] = export

    def create(backend, stack, change_set):
        """The stack is built as CreateStack builds one (moto gets that right, outputs included), from the change set's
        template and parameters. A resource that fails rolls the new stack back: its event is CREATE_FAILED with the
        reason, the resources already created are deleted, and the stack ends in ROLLBACK_COMPLETE
        (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html, ROLLBACK_* in
        https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes)."""
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.template, stack.parameters, stack.tags = change_set.template, change_set.parameters, change_set.tags
        stack.cross_stack_resources = backend.exports  # moto made the REVIEW_IN_PROGRESS stack blind to exports
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        try:
            stack.resource_map = stack._create_resource_map()
            stack.output_map = stack._create_output_map()
            stack.create_resources()
            register_exports(backend, stack)
            return True
        except Exception as error:
            action, logical_id, error, reason = failed_resource(error)
            failed_type = resource_type(stack.template_dict, logical_id)
            if logical_id:
                record(stack, logical_id, failed_type, "CREATE_IN_PROGRESS")
                record(stack, logical_id, failed_type, "CREATE_FAILED", reason=failure_reason(error, failed_type))
                reason += " Rollback requested by user."
            stack.status, stack.status_reason = "ROLLBACK_IN_PROGRESS", reason
            stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
            if logical_id:  # AWS deletes the failed resource too, and says so
                record(stack, logical_id, failed_type, "DELETE_COMPLETE")
            try:
                stack.resource_map.delete()
            except Exception as cleanup_error:
                stack.status = "ROLLBACK_FAILED"
                stack._add_stack_event("ROLLBACK_FAILED", resource_status_reason=str(cleanup_error))
                return False
            # Nothing is left to show or to create lazily: moto's resource map would create a template's resource again
            # the first time something (DescribeStackResources) looks it up.
            stack.resource_map._resource_json_map = {}
            stack.output_map = models.OutputMap(stack.resource_map, {}, stack.stack_id)
            stack.status = "ROLLBACK_COMPLETE"
            stack._add_stack_event("ROLLBACK_COMPLETE")
            return False

    def own(stack, done):
        """The logical ids of this stack among those the execution created or updated (nested stacks add theirs)."""
        return [name for stack_id, name in list(done) if stack_id == stack.stack_id]

    def restore_failed(stack, resource_map, logical_id, previous_json):
        """The resource whose update failed gets its previous properties back. Many of moto's updates replace a
        resource by deleting it first, so a failed one may be gone: then it is created again as it was."""
        resource_type = previous_json.get("Type")
        record(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS")
        arguments = (logical_id, previous_json, resource_map, stack.account_id, stack.region_name)
        try:
            resource = update_resource(*arguments)
        except Exception:
            resource_map._parsed_resources.pop(logical_id, None)
            resource = create_resource(*arguments)
        if resource is not None:
            resource_map._parsed_resources[logical_id] = resource
        record(stack, logical_id, resource_type, "UPDATE_COMPLETE", physical_id_of(resource))

    def update(backend, stack, change_set):
        """New and changed resources first, the removed ones only once everything else succeeded, as AWS does (it
        deletes them during UPDATE_COMPLETE_CLEANUP_IN_PROGRESS; moto deletes them first). A resource that fails rolls the
        update back: its event is UPDATE_FAILED (CREATE_FAILED if it was new), changed resources get their previous
        properties again, new ones are deleted, and the stack ends in UPDATE_ROLLBACK_COMPLETE on its previous template,
        parameters and outputs (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-monitor-stack.html)."""
        resource_map = stack.resource_map
        previous = {
            "template": resource_map._template,
            "resources": resource_map._resource_json_map,
            "parameters": resource_map.input_parameters,
        }
        new_template = change_set.template_dict
        removed = {name: json for name, json in previous["resources"].items() if name not in new_template["Resources"]}
        # The new template with the removed resources still in it: moto's update then only adds and changes.
        staged = dict(new_template, Resources={**new_template["Resources"], **removed})
        stack.status = "UPDATE_IN_PROGRESS"
        stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
        try:
            # moto adds the new template's parameters to the old ones; DescribeStacks would list a removed one still.
            resource_map.resolved_parameters = {}
            resource_map.update(staged, change_set.parameters)
            stack.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
            stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
            try:
                resource_map.update(new_template, change_set.parameters)
            except Exception:
                # A resource that cannot be deleted does not fail an update: AWS leaves it behind, out of the stack.
                resource_map._template, resource_map._resource_json_map = new_template, new_template["Resources"]
            stack.template, stack.parameters = change_set.template, change_set.parameters
            stack._parse_template()
            stack.description = stack.template_dict.get("Description")
            if change_set.tags:
                stack.tags = change_set.tags
            stack.output_map = stack._create_output_map()
            register_exports(backend, stack)
            stack.status, stack.status_reason = "UPDATE_COMPLETE", None
            stack._add_stack_event("UPDATE_COMPLETE")
            return True
        except Exception as error:
            execution = _executing.current
            action, logical_id, error, reason = failed_resource(error)
            failed_type = resource_type(staged, logical_id)
            if logical_id:
                record(stack, logical_id, failed_type, f"{action}_IN_PROGRESS")
                record(stack, logical_id, failed_type, f"{action}_FAILED", reason=failure_reason(error, failed_type))
            stack.status, stack.status_reason = "UPDATE_ROLLBACK_IN_PROGRESS", reason
            stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
            try:
                resource_map._template, resource_map._resource_json_map = previous["template"], previous["resources"]
                resource_map.input_parameters = previous["parameters"]
                resource_map.resolved_parameters = {}
                resource_map.load_mapping()
                resource_map.load_parameters()
                resource_map.load_conditions()
                for name in own(stack, execution.updated):
                    resource_map._parsed_resources[name] = parsing.parse_and_update_resource(
                        name, previous["resources"][name], resource_map, stack.account_id, stack.region_name
                    )
                if action == "UPDATE":
                    restore_failed(stack, resource_map, logical_id, previous["resources"][logical_id])
                stack.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
                stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
                for name in reversed(own(stack, execution.created)):
                    resource_map._delete_resource(resource_map._parsed_resources.pop(name), staged["Resources"][name])
                if logical_id and action == "CREATE":
                    record(stack, logical_id, failed_type, "DELETE_COMPLETE")
            except Exception as rollback_error:
                stack.status = "UPDATE_ROLLBACK_FAILED"
                stack._add_stack_event("UPDATE_ROLLBACK_FAILED", resource_status_reason=str(rollback_error))
                return False
            stack.status = "UPDATE_ROLLBACK_COMPLETE"
            stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
            return False


def mask_no_echo_parameters(models):
    """DescribeStacks answers a NoEcho parameter's value as asterisks: "the parameter value is masked with asterisks
    (*****) for any calls that describe the stack" (NoEcho in
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html). moto 5.2.1
    compares each value, not its key, with the NoEcho keys, so it never masks one, and a rollback that puts back what
    DescribeStacks showed would look right here and set the asterisks in AWS."""

    def parameter_list(self):
        hidden = self.resource_map.no_echo_parameter_keys
        return [
            {"ParameterKey": key, "ParameterValue": "****" if key in hidden else value}
            for key, value in self.resource_map.resolved_parameters.items()
        ]

    models.Stack.parameter_list = property(parameter_list)


def patch_task_definition():
    """AWS::ECS::TaskDefinition registers what RegisterTaskDefinition would be given for the same properties
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-taskdefinition.html): the task
    and execution roles above all, since the execution role is the one that pulls the image, and a revision derived
    from this one keeps them. Updates stay moto's own (a new revision of the containers)."""
    from moto.core.utils import pascal_to_camelcase, remap_nested_keys
    from moto.ecs import models as ecs

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]

        def camel(key):
            return remap_nested_keys(properties[key], pascal_to_camelcase) if key in properties else None

        def text(key):
            return str(properties[key]) if key in properties else None

        return ecs.ecs_backends[account_id][region_name].register_task_definition(
            family=properties.get("Family", f"{resource_name}-{uuid.uuid4().hex[:12]}"),
            container_definitions=camel("ContainerDefinitions") or [],
            volumes=camel("Volumes"),
            network_mode=properties.get("NetworkMode"),
            tags=[{"key": tag["Key"], "value": tag["Value"]} for tag in properties.get("Tags", [])] or None,
            placement_constraints=camel("PlacementConstraints"),
            requires_compatibilities=properties.get("RequiresCompatibilities"),
            cpu=text("Cpu"),
            memory=text("Memory"),
            task_role_arn=properties.get("TaskRoleArn"),
            execution_role_arn=properties.get("ExecutionRoleArn"),
            runtime_platform=camel("RuntimePlatform"),
        )

    ecs.TaskDefinition.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def add_metric_alarm(parsing):
    """AWS::CloudWatch::Alarm, which moto's CloudFormation skips without a word: a service template's alarm, the one
    its deployments bake against, must exist once its stack does
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html). Created and
    deleted as PutMetricAlarm and DeleteAlarms would; Ref is the alarm's name."""
    from moto.cloudwatch import models as cloudwatch
    from moto.core.common_models import CloudFormationModel

    def backend(account_id, region_name):
        return cloudwatch.cloudwatch_backends[account_id][region_name]

    class MetricAlarm(CloudFormationModel):
        # moto's model metaclass files every model under the service its module is in.
        __module__ = "moto.cloudwatch.models"

        def __init__(self, alarm):
            self.alarm = alarm
            self.physical_resource_id = alarm.name

        @staticmethod
        def cloudformation_name_type():
            return "AlarmName"

        @staticmethod
        def cloudformation_type():
            return "AWS::CloudWatch::Alarm"

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr == "Arn"

        def get_cfn_attribute(self, attribute_name):
            if attribute_name == "Arn":
                return self.alarm.alarm_arn
            raise KeyError(attribute_name)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            p = cloudformation_json["Properties"]
            alarm = backend(account_id, region_name).put_metric_alarm(
                name=p.get("AlarmName") or resource_name,
                namespace=p.get("Namespace"),
                metric_name=p.get("MetricName"),
                comparison_operator=p.get("ComparisonOperator"),
                evaluation_periods=int(p.get("EvaluationPeriods", 1)),
                period=int(p.get("Period", 60)),
                threshold=float(p.get("Threshold", 0)),
                statistic=p.get("Statistic"),
                description=p.get("AlarmDescription", ""),
                dimensions=p.get("Dimensions", []),
                alarm_actions=p.get("AlarmActions", []),
                ok_actions=p.get("OKActions", []),
                insufficient_data_actions=p.get("InsufficientDataActions", []),
                treat_missing_data=p.get("TreatMissingData"),
                unit=p.get("Unit"),
            )
            return cls(alarm)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            backend(account_id, region_name).delete_alarms([original_resource.physical_resource_id])
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            backend(account_id, region_name).delete_alarms([resource_name])

        def delete(self, account_id, region_name):
            backend(account_id, region_name).delete_alarms([self.physical_resource_id])

    # The model list is read once and cached: a model defined after the first read would not be seen.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    return MetricAlarm


def patch_responses(responses):
    """Runs once moto.cloudformation.responses has been imported."""
    create_change_set = responses.CloudFormationResponse.create_change_set

    def _create_change_set(self):
        # moto checks an UPDATE change set as it checks UpdateStack and refuses one without changes ("No updates are to
        # be performed."). AWS creates it and fails it: DescribeChangeSet answers Status FAILED with the StatusReason
        # "The submitted information didn't contain changes. Submit different information to create a change set.",
        # which moto's backend already does. The change set's Status and StatusReason:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html; change sets:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html
        self._validate_different_update = lambda *args, **kwargs: None
        _request.capabilities = self._get_param("Capabilities", []) or []
        try:
            return create_change_set(self)
        finally:
            _request.capabilities = None

    responses.CloudFormationResponse.create_change_set = _create_change_set

    def _describe_change_set(self):
        # The StackName the call names narrows a change set's name to that stack (moto ignores it).
        change_set = self.cloudformation_backend.describe_change_set(
            self._get_param("ChangeSetName"), self._get_param("StackName")
        )
        return responses.ActionResult(change_set)

    responses.CloudFormationResponse.describe_change_set = _describe_change_set
