"""One partition per customer, kept in step with customers.yaml by :func:`edi_assets.defs.sensors.customers_sensor`."""

from dagster import DynamicPartitionsDefinition

customers_partitions = DynamicPartitionsDefinition(name="customers")
