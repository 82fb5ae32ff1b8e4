// /reservations: create (with ?dryRun=true), get, list, cancel, extend/shorten.
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import {
  cancelReservation,
  changeEnd,
  dryRun,
  getReservation,
  listReservations,
} from "../../services/booking/booking.ts";
import { bookingReply } from "../../services/booking/booking-answers.ts";
import { bookBatched } from "../../services/booking/booking-batch.ts";
import type { ServiceContext } from "../../services/context.ts";
import { endpoint } from "../endpoint.ts";
import type { Metrics } from "../metrics.ts";
import {
  DryRunQuery,
  DryRunResult,
  IdParam,
  Reservation,
  ReservationCreate,
  ReservationList,
  ReservationListQuery,
  ReservationPatch,
} from "../schemas.ts";

const ms = (t: string) => Date.parse(t);

export function reservationRoutes(
  router: Router,
  registry: OpenAPIRegistry,
  ctx: ServiceContext,
  metrics: Metrics,
) {
  endpoint(router, registry, {
    method: "post",
    path: "/reservations",
    tag: "reservations",
    summary: "Book GPU slots (or, with ?dryRun=true, say what would happen without holding anything)",
    body: ReservationCreate,
    query: DryRunQuery,
    responses: {
      200: { description: "Dry run: what the booking would do", schema: DryRunResult },
      201: { description: "Booked", schema: Reservation },
      409: { description: "slot-taken, quota-exceeded or displacement-frozen" },
    },
    handler: async ({ body, query, principal }) => {
      const input = {
        pool: body.pool,
        nodes: body.nodes,
        gpusPerNode: body.gpusPerNode,
        start: ms(body.start),
        end: ms(body.end),
        priority: body.priority,
        title: body.title,
        team: body.team,
        repeat: body.repeat
          ? { every: body.repeat.every, until: ms(body.repeat.until), timeZone: body.repeat.timeZone }
          : undefined,
      };
      const stop = metrics.bookingSeconds.startTimer({ dry_run: String(query.dryRun === "true") });
      try {
        if (query.dryRun === "true") return { status: 200, body: await dryRun(ctx, principal, input) };
        const out = await bookBatched(ctx, principal, input);
        return { status: 201, body: bookingReply(out, !!input.repeat) };
      } finally {
        stop();
      }
    },
  });

  endpoint(router, registry, {
    method: "get",
    path: "/reservations",
    tag: "reservations",
    summary: "List reservations (every team's: the timeline shows all)",
    query: ReservationListQuery,
    responses: { 200: { description: "A page", schema: ReservationList } },
    handler: async ({ query }) => ({
      status: 200,
      body: await listReservations(ctx, {
        ...query,
        from: query.from ? ms(query.from) : undefined,
        to: query.to ? ms(query.to) : undefined,
      }),
    }),
  });

  endpoint(router, registry, {
    method: "get",
    path: "/reservations/:id",
    tag: "reservations",
    summary: "One reservation",
    params: IdParam,
    responses: {
      200: { description: "The reservation", schema: Reservation },
      404: { description: "Unknown id" },
    },
    handler: async ({ params }) => ({ status: 200, body: await getReservation(ctx, params.id) }),
  });

  endpoint(router, registry, {
    method: "delete",
    path: "/reservations/:id",
    tag: "reservations",
    summary: "Cancel a reservation (idempotent); its running jobs become opportunistic",
    params: IdParam,
    responses: {
      200: { description: "Cancelled", schema: Reservation },
      404: { description: "Unknown id" },
      409: { description: "invalid-state: completed, displaced or released" },
    },
    handler: async ({ params, principal }) => ({
      status: 200,
      body: await cancelReservation(ctx, principal, params.id),
    }),
  });

  endpoint(router, registry, {
    method: "patch",
    path: "/reservations/:id",
    tag: "reservations",
    summary: "Extend or shorten a reservation (its placement stays)",
    params: IdParam,
    body: ReservationPatch,
    responses: {
      200: { description: "Changed", schema: Reservation },
      404: { description: "Unknown id" },
      409: { description: "slot-taken, quota-exceeded or invalid-state" },
    },
    handler: async ({ params, body, principal }) => ({
      status: 200,
      body: await changeEnd(ctx, principal, params.id, ms(body.end)),
    }),
  });
}
