"""EventBridge in moto 5.2.1, made to forward an event to another bus as AWS does.

A rule whose target is an event bus (another account's, or another region's) hands the event on as it was: "the
event" a target account's rule sends is received by the other bus with its own account, region, time, resources and
id (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html), which is how the orchestrator
tells which target account and region an ECS deployment or alarm event came from. moto instead calls PutEvents on
the receiving bus with source, detail-type and detail only: the event arrives as the receiving account's, from its
region, without its resources or time.

moto also builds the event a target without an input transformer receives (an SQS queue, say) by filling in a
template through jsonpath, which costs ~100 ms of the server's single interpreter per delivery and leaves out
`account`: AWS sends that target the whole event as it matched the rule.
"""

import copy

# An event's fields as EventBridge delivers it, "replay-name" for a replayed one:
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
WHOLE_EVENT = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail", "replay-name")


def patch_models(models):
    """Patches moto.events.models once it is imported."""
    from moto.utilities.arns import parse_arn

    parse_template = models.EventTemplateParser.parse

    def parse(input_template, input_paths_map, event):
        if input_template or input_paths_map:
            return parse_template(input_template, input_paths_map, event)
        return {key: copy.deepcopy(event[key]) for key in WHOLE_EVENT if key in event}

    models.EventTemplateParser.parse = staticmethod(parse)

    send_to_targets = models.Rule.send_to_targets

    def is_bus(target):
        arn = parse_arn(target["Arn"])
        return arn.service == "events" and arn.resource_type == "event-bus"

    def forwarding_send_to_targets(self, original_event, transform_input=True):
        buses = [t for t in self.targets if is_bus(t)]
        if not buses:
            return send_to_targets(self, original_event, transform_input)
        if not self.event_pattern.matches_event(original_event):
            return None
        others = [t for t in self.targets if not is_bus(t)]
        if others:
            # moto's server answers on several threads: the shared rule's targets stay as they are.
            rest = copy.copy(self)
            rest.targets = others
            send_to_targets(rest, original_event, transform_input)
        for target in buses:
            arn = parse_arn(target["Arn"])
            bus = models.events_backends[arn.account][arn.region].event_buses.get(arn.resource_id)
            if bus is None:  # AWS accepts the event and delivers it nowhere
                continue
            # Each rule of the receiving bus matches the event against its own pattern, as PutEvents' rules do.
            for rule in list(bus.rules.values()):
                rule.send_to_targets(copy.deepcopy(original_event))
        return None

    models.Rule.send_to_targets = forwarding_send_to_targets
