"""The musrenbang service: entrypoints only; the work happens in the modules they call."""
from nameko.rpc import rpc

from eplanning_common.dependencies import Correlation, Database
from eplanning_common.health import health_report
from eplanning_common.relay import OutboxRelay


class MusrenbangService:
    name = "musrenbang"

    correlation = Correlation()
    db = Database()
    relay = OutboxRelay()

    @rpc
    def health(self):
        return health_report(self.name, self.db)
