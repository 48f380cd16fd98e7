"""moto's DynamoDB Query, made to read one partition, as DynamoDB does.

moto answers a Query by reading and sorting every item of the table, then keeping the asked partition's: one Query
per target of an environment of 5,000 targets (the approval gate reading what each runs from the ledger) then costs
minutes, where DynamoDB reads only that partition. When a Query's partition key is the table's own (the table, or
an index keyed by the same attribute), moto's own Query gets only that partition's items, and filters, sorts and
pages them as before: the same answers, at the cost of the partition.
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
        if hash_key is None or not _keyed_by_table_partition(self, index_name):
            return query(self, hash_key, *args, **kwargs)
        _partition.only = (self, _partition_items(self, hash_key))
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _partition.only = None

    table_class.all_items = all_items
    table_class.query = partition_query


def _keyed_by_table_partition(table, index_name):
    if not index_name:
        return True
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    if index is None:
        return False
    hash_keys = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
    return hash_keys == [table.hash_key_attr]


def _partition_items(table, hash_key):
    partition = table.items.get(hash_key)
    if not partition:
        return []
    return list(partition.values()) if table.range_key_attr else [partition]
