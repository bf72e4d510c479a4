"""Jobs: the inbound and outbound flows per customer partition, and the replay of held or failed records."""


from dagster import AssetSelection, Config, JobDefinition, OpExecutionContext, define_asset_job, job, op
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition
from pydantic import Field

from edi_assets.defs.assets import INBOUND, OUTBOUND
from edi_assets.defs.partitions import customers_partitions
from edi_assets.defs.resources import EdiResource
from edi_assets.pipeline.replay import replay

inbound_job = define_asset_job("inbound", selection=AssetSelection.assets(*INBOUND),
                               partitions_def=customers_partitions,
                               description="Cleo inbound files → X12 → documents → ERP postings, the 997s sent "
                                           "back beside them.")
outbound_job = define_asset_job("outbound", selection=AssetSelection.assets(*OUTBOUND),
                                partitions_def=customers_partitions,
                                description="ERP documents → X12 → Cleo uploads.")


class ReplayConfig(Config):
    customer: str
    ids: list[int] = Field(default_factory=list)  # document ids; none: every replayable hold and failure
    requested_by: str = "dagster"


@op(description="Resolve the chosen holds as replayed and run their documents through the flow again.")
def replay_records(context: OpExecutionContext, config: ReplayConfig, edi: EdiResource) -> None:
    with edi.runtime(config.customer, context.log.info) as rt:
        report = replay(rt, config.ids or None, by=config.requested_by)
    context.log.info(f"replayed {len(report.replayed)} record(s) of {config.customer}: {report.replayed}; "
                     f"refused {len(report.refused)}")
    for reason in report.refused:
        context.log.warning(reason)


@job(description="Replay held or failed records of one customer (all, or chosen document ids) after a fix.")
def replay_job() -> None:
    replay_records()


JOBS: list[JobDefinition | UnresolvedAssetJobDefinition] = [inbound_job, outbound_job, replay_job]
