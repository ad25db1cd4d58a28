"""`POST /api/webhooks/stripe`: Stripe tells us what happened to a subscription.

The raw body is verified with STRIPE_WEBHOOK_SECRET by the stripe library (400 when the
signature is bad or missing, nothing changes); each event id is applied once; an unknown type
or customer is answered 200 and ignored. 503 only when Stripe itself could not be asked for
the subscription (Stripe delivers the event again later).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pakjeplekje import routes as paths
from pakjeplekje.services import billing as subscriptions


async def stripe_webhook(request: Request) -> JSONResponse:
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    result = await run_in_threadpool(subscriptions.handle_webhook, payload, signature)
    return JSONResponse({"result": result.outcome}, status_code=result.status)


def routes() -> list[Route]:
    return [Route(paths.STRIPE_WEBHOOK, stripe_webhook, methods=["POST"])]
