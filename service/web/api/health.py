"""Liveness and readiness for load balancers and orchestrators."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from service.web.api.inputs import operation
from service.web.context import services
from service.web.schemas import HealthSchema

bp = Blueprint("health", __name__, description="Operations")


@bp.route("/healthz")
class Health(MethodView):
    @operation(bp, HealthSchema)
    def get(self):
        """200 while the process runs"""
        return {"status": "ok"}


@bp.route("/readyz")
class Ready(MethodView):
    @operation(bp, HealthSchema, errors=(503,))
    def get(self):
        """200 when Redis answers, else 503"""
        services().store.ping()  # a Redis error becomes the 503 of service.web.errors
        return {"status": "ready"}
