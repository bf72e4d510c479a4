"""Outbound work runs on each customer's own cron (customers.yaml ``schedule.outbound_cron``)."""


from dagster import DefaultScheduleStatus, RunRequest, ScheduleDefinition, ScheduleEvaluationContext

from edi_assets.customers import Customer, CustomersFile
from edi_assets.defs.jobs import outbound_job


def _outbound_schedule(customer: Customer) -> ScheduleDefinition:
    def evaluate(context: ScheduleEvaluationContext) -> RunRequest:
        return RunRequest(partition_key=customer.id, tags={"edi/customer": customer.id})

    return ScheduleDefinition(name=f"outbound_{customer.id}", cron_schedule=customer.schedule.outbound_cron,
                              job=outbound_job, execution_fn=evaluate, default_status=DefaultScheduleStatus.RUNNING,
                              description=f"Outbound documents of {customer.name} from "
                                          f"{customer.erp.kind} to Cleo.")


def outbound_schedules(customers: CustomersFile) -> list[ScheduleDefinition]:
    return [_outbound_schedule(c) for c in customers.enabled if c.flows.outbound]
