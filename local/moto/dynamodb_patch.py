"""moto's DynamoDB Query, made to read one partition, as DynamoDB does.

moto answers a Query by reading and sorting every item of the table, then keeping the asked partition's: one Query
per target of an environment of 5,000 targets (the approval gate reading what each runs from the ledger) then costs
minutes, where DynamoDB reads only that partition. moto's own Query gets only the asked partition's items, and
filters, sorts and pages them as before: the same answers, at the cost of the partition. For the table (or an index
keyed by the same attribute) that partition is one lookup; for a global secondary index keyed by another attribute
(the approvals' `byServiceEnvironment`) it is one pass comparing that attribute, still far cheaper than moto's own reading.
"""

import inspect
import threading

_partition = threading.local()


def patch_models(module):
    """Patches moto.dynamodb.models.table once it is imported."""
    table_class = module.Table
    every_item = table_class.all_items
    query = table_class.query

    def all_items(self):
        only = getattr(_partition, "only", None)
        if only is not None and only[0] is self:
            return only[1]
        return every_item(self)

    parameters = inspect.signature(query)

    def partition_query(self, hash_key, *args, **kwargs):
        # Bound by name, so a parameter moto moves never leaves an index query read from the table's partition.
        index_name = parameters.bind(self, hash_key, *args, **kwargs).arguments.get("index_name")
        attribute = _partition_attribute(self, index_name)
        if hash_key is None or attribute is None:
            return query(self, hash_key, *args, **kwargs)
        if attribute == self.hash_key_attr:
            items = _partition_items(self, hash_key)
        else:
            items = [item for item in every_item(self) if _has(item, attribute, hash_key)]
        _partition.only = (self, items)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _partition.only = None

    table_class.all_items = all_items
    table_class.query = partition_query


def _partition_attribute(table, index_name):
    """The attribute whose value picks the partition a Query reads; None for an index this patch does not know."""
    if not index_name:
        return table.hash_key_attr
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    if index is None:
        return None
    hash_keys = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
    return hash_keys[0] if len(hash_keys) == 1 else None


def _has(item, attribute, value):
    own = item.attrs.get(attribute)  # an item without the attribute is not in the index
    return own is not None and own == value


def _partition_items(table, hash_key):
    partition = table.items.get(hash_key)
    if not partition:
        return []
    return list(partition.values()) if table.range_key_attr else [partition]
