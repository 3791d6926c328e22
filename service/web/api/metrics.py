"""GET /metrics: Prometheus text format, the same totals whichever API process answers."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from service.web.metrics import exposition_response

bp = Blueprint("metrics", __name__, description="Operations")


@bp.route("/metrics")
class Metrics(MethodView):
    @bp.doc(responses={"200": {"description": "Prometheus text exposition format",
                               "content": {"text/plain": {"schema": {"type": "string"}}}}})
    def get(self):
        """Counters, latency histograms and queue gauges for Prometheus"""
        return exposition_response()
