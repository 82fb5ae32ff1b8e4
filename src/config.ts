// The service's configuration: the environment (docs/rules.md §4) parsed once into a frozen, typed
// object. Everything else receives this object; nothing below src/main.ts reads process.env.
import { resolve } from "node:path";
import { z } from "zod";
import { parseCidr } from "./adapters/http/webhook-target.ts";
import {
  type BookingRules,
  type BookingSettings,
  bookingRules,
  bookingSettingsProblems,
  DEFAULT_BOOKING_SETTINGS,
} from "./core/booking-rules.ts";

const EXECUTORS = ["auto", "kubernetes", "simulated"] as const;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z.string().min(1).optional(),
  BERTH_DATA_DIR: z.string().min(1).default("./.berth"),
  BERTH_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  BERTH_EXECUTOR: z.enum(EXECUTORS).default("auto"),
  BERTH_RATE_LIMIT: z.coerce.number().min(0).default(0),
  BERTH_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** `auto`: lines a person reads on a terminal, JSON lines otherwise. */
  BERTH_LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
  /** Safety-net tick of the scheduling loop, seconds. */
  BERTH_TICK_SECONDS: z.coerce.number().positive().default(5),
  /** Launches and stops one cycle sends to the cluster at once (bench/launch compares 1 and 16). */
  BERTH_APPLY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** A reservation whose owner starts nothing this long after its start is released (seconds; 0 = never). */
  BERTH_NO_SHOW_SECONDS: z.coerce.number().min(0).default(1800),
  /** Largest accepted request body. */
  BERTH_BODY_LIMIT: z.string().default("64kb"),
  /**
   * A GPU node whose Ready condition is not True counts as lost only after this long (seconds): a
   * kubelet that misses a heartbeat or two does not move reservations. Cordoning is at once.
   */
  BERTH_NODE_NOT_READY_SECONDS: z.coerce.number().min(0).default(60),
  /** A run whose pod the scheduler cannot place fails after this long (seconds). */
  BERTH_UNSCHEDULABLE_SECONDS: z.coerce.number().min(0).default(300),
  /**
   * Where the API server reaches Berth's admission webhooks when Berth runs outside the cluster
   * (`https://127.0.0.1:PORT`): Berth serves them there and registers them with that URL.
   */
  BERTH_ADMISSION_URL: z.url({ protocol: /^https$/ }).optional(),
  /**
   * In a cluster: the directory of the webhooks' serving certificate (tls.crt, tls.key: the Secret
   * berth-admission-tls, from cert-manager or `berth admission-cert`). Berth serves the webhooks
   * on BERTH_ADMISSION_PORT; the configurations are the manifests' (k8s/admission).
   */
  BERTH_ADMISSION_TLS_DIR: z.string().min(1).optional(),
  BERTH_ADMISSION_PORT: z.coerce.number().int().min(1).max(65535).default(8443),
  /** Ranges webhook targets may lie in although private or special, comma-separated CIDRs. */
  BERTH_WEBHOOK_ALLOW: z
    .string()
    .default("")
    .transform((s, c) => {
      try {
        return s
          .split(",")
          .map((x) => x.trim())
          .filter((x) => x !== "")
          .map(parseCidr);
      } catch (err) {
        c.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** 32 bytes (64 hex digits or base64) sealing secrets at rest; unset: a key file in the data dir. */
  BERTH_SECRET_KEY: z.string().optional(),
  /** Lifetime of a member token created without one, seconds; 0: never expires. */
  BERTH_MEMBER_TOKEN_TTL_SECONDS: z.coerce.number().int().min(0).default(0),
  /** Ages after which rows are deleted (src/services/retention/retention.ts), and how often it runs. */
  BERTH_RETAIN_EVENTS_DAYS: z.coerce.number().positive().default(30),
  BERTH_RETAIN_DECISIONS_DAYS: z.coerce.number().positive().default(30),
  BERTH_RETAIN_DELIVERIES_DAYS: z.coerce.number().positive().default(30),
  BERTH_RETAIN_IDEMPOTENCY_HOURS: z.coerce.number().positive().default(24),
  BERTH_RETENTION_EVERY_SECONDS: z.coerce.number().positive().default(3600),
  /**
   * PostgreSQL: how long a statement may wait for a lock (a pool's booking lock, a row), and how
   * long any statement may run, before the database gives up (milliseconds; 0 = no limit).
   */
  BERTH_DB_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  BERTH_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(60_000),
  /**
   * Fault injection for crash tests, never for service: `1` makes the process SIGKILL itself right
   * after a booking's write commits, before it is answered.
   */
  BERTH_FAULT_KILL_AFTER_BOOKING_COMMIT: z.enum(["0", "1"]).default("0"),
  /**
   * Fault injection for crash tests, never for service: `1` makes the process SIGKILL itself when
   * a POST carrying an Idempotency-Key is about to be answered with a 2xx (its write committed).
   */
  BERTH_FAULT_KILL_BEFORE_ANSWER: z.enum(["0", "1"]).default("0"),
  /** Open event streams per token. */
  BERTH_STREAMS_PER_TOKEN: z.coerce.number().int().min(1).default(4),
  /** The image Berth's own Jobs run (`berth validate`). */
  BERTH_IMAGE: z.string().min(1).default("berth:latest"),
  /** The booking rules (docs/rules.md §1); checked together below. */
  BERTH_BOOKING_GRID_MINUTES: z.coerce.number().int().default(DEFAULT_BOOKING_SETTINGS.gridMinutes),
  BERTH_BOOKING_MIN_MINUTES: z.coerce.number().int().default(DEFAULT_BOOKING_SETTINGS.minMinutes),
  BERTH_BOOKING_MAX_DAYS: z.coerce.number().positive().default(DEFAULT_BOOKING_SETTINGS.maxDays),
  BERTH_BOOKING_HORIZON_DAYS: z.coerce.number().min(0).default(DEFAULT_BOOKING_SETTINGS.horizonDays),
  BERTH_FREEZE_MINUTES: z.coerce.number().min(0).default(DEFAULT_BOOKING_SETTINGS.freezeMinutes),
  BERTH_DEFAULT_GRACE_SECONDS: z.coerce.number().int().min(0).default(DEFAULT_BOOKING_SETTINGS.graceSeconds),
  /**
   * The Lease electing the leader replica on Kubernetes (with PostgreSQL): its name, namespace
   * (default: the pod's own, else BERTH_NAMESPACE, else `default`) and duration.
   */
  BERTH_LEASE_NAME: z.string().min(1).default("berth-leader"),
  BERTH_LEASE_NAMESPACE: z.string().min(1).optional(),
  BERTH_LEASE_SECONDS: z.coerce.number().int().min(2).max(300).default(15),
  /** This replica's name in the Lease (the Deployment sets it from the pod's name). */
  POD_NAME: z.string().min(1).optional(),
});

const SETTING_VARIABLES: Record<keyof BookingSettings, string> = {
  gridMinutes: "BERTH_BOOKING_GRID_MINUTES",
  minMinutes: "BERTH_BOOKING_MIN_MINUTES",
  maxDays: "BERTH_BOOKING_MAX_DAYS",
  horizonDays: "BERTH_BOOKING_HORIZON_DAYS",
  freezeMinutes: "BERTH_FREEZE_MINUTES",
  graceSeconds: "BERTH_DEFAULT_GRACE_SECONDS",
};

// The rules are consistent only together (a minimum on the grid, a maximum above the minimum).
const checkedEnvSchema = envSchema.superRefine((e, c) => {
  for (const p of bookingSettingsProblems(bookingSettingsOf(e)))
    c.addIssue({ code: "custom", path: [SETTING_VARIABLES[p.setting]], message: p.message });
});

function bookingSettingsOf(e: z.infer<typeof envSchema>): BookingSettings {
  return {
    gridMinutes: e.BERTH_BOOKING_GRID_MINUTES,
    minMinutes: e.BERTH_BOOKING_MIN_MINUTES,
    maxDays: e.BERTH_BOOKING_MAX_DAYS,
    horizonDays: e.BERTH_BOOKING_HORIZON_DAYS,
    freezeMinutes: e.BERTH_FREEZE_MINUTES,
    graceSeconds: e.BERTH_DEFAULT_GRACE_SECONDS,
  };
}

export type Executor = (typeof EXECUTORS)[number];

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Unset: the embedded PGlite under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly executor: Executor;
  /** Requests per second per token; 0 disables the limit. */
  readonly rateLimit: number;
  readonly logLevel: string;
  readonly logFormat: "auto" | "json" | "pretty";
  readonly tickSeconds: number;
  /** Launches and stops a cycle sends at once. */
  readonly applyConcurrency: number;
  readonly noShowSeconds: number;
  readonly bodyLimit: string;
  readonly nodeNotReadySeconds: number;
  readonly unschedulableSeconds: number;
  readonly admissionUrl: string | undefined;
  readonly admissionTlsDir: string | undefined;
  readonly admissionPort: number;
  readonly webhookAllow: readonly string[];
  readonly secretKey: string | undefined;
  readonly memberTokenTtlSeconds: number;
  /** PostgreSQL's lock_timeout and statement_timeout for Berth's sessions, milliseconds (0: none). */
  readonly dbLockTimeoutMs: number;
  readonly dbStatementTimeoutMs: number;
  /** Fault injection (crash tests only): SIGKILL right after a booking commits. */
  readonly faultKillAfterBookingCommit: boolean;
  readonly faultKillBeforeAnswer: boolean;
  readonly streamsPerToken: number;
  readonly retention: {
    readonly eventsSeconds: number;
    readonly decisionsSeconds: number;
    readonly deliveriesSeconds: number;
    readonly idempotencySeconds: number;
    readonly everySeconds: number;
  };
  /** The image Berth's own Jobs run (`berth validate`). */
  readonly berthImage: string;
  /** Grid, lengths, horizon, freeze and default grace the booking service and the loop apply. */
  readonly bookingRules: BookingRules;
  readonly lease: {
    readonly name: string;
    readonly namespace: string | undefined;
    readonly seconds: number;
    readonly identity: string | undefined;
  };
}

export class ConfigError extends Error {
  readonly code = "config";
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset: `DATABASE_URL= npm start` means "no database URL".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = checkedEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.BERTH_DATA_DIR),
    adminToken: e.BERTH_ADMIN_TOKEN,
    executor: e.BERTH_EXECUTOR,
    rateLimit: e.BERTH_RATE_LIMIT,
    logLevel: e.BERTH_LOG_LEVEL,
    logFormat: e.BERTH_LOG_FORMAT,
    tickSeconds: e.BERTH_TICK_SECONDS,
    applyConcurrency: e.BERTH_APPLY_CONCURRENCY,
    noShowSeconds: e.BERTH_NO_SHOW_SECONDS,
    bodyLimit: e.BERTH_BODY_LIMIT,
    nodeNotReadySeconds: e.BERTH_NODE_NOT_READY_SECONDS,
    unschedulableSeconds: e.BERTH_UNSCHEDULABLE_SECONDS,
    admissionUrl: e.BERTH_ADMISSION_URL,
    admissionTlsDir: e.BERTH_ADMISSION_TLS_DIR,
    admissionPort: e.BERTH_ADMISSION_PORT,
    webhookAllow: Object.freeze(e.BERTH_WEBHOOK_ALLOW),
    secretKey: e.BERTH_SECRET_KEY,
    memberTokenTtlSeconds: e.BERTH_MEMBER_TOKEN_TTL_SECONDS,
    dbLockTimeoutMs: e.BERTH_DB_LOCK_TIMEOUT_MS,
    dbStatementTimeoutMs: e.BERTH_DB_STATEMENT_TIMEOUT_MS,
    faultKillAfterBookingCommit: e.BERTH_FAULT_KILL_AFTER_BOOKING_COMMIT === "1",
    faultKillBeforeAnswer: e.BERTH_FAULT_KILL_BEFORE_ANSWER === "1",
    streamsPerToken: e.BERTH_STREAMS_PER_TOKEN,
    retention: Object.freeze({
      eventsSeconds: e.BERTH_RETAIN_EVENTS_DAYS * 86_400,
      decisionsSeconds: e.BERTH_RETAIN_DECISIONS_DAYS * 86_400,
      deliveriesSeconds: e.BERTH_RETAIN_DELIVERIES_DAYS * 86_400,
      idempotencySeconds: e.BERTH_RETAIN_IDEMPOTENCY_HOURS * 3600,
      everySeconds: e.BERTH_RETENTION_EVERY_SECONDS,
    }),
    berthImage: e.BERTH_IMAGE,
    bookingRules: bookingRules(bookingSettingsOf(e)),
    lease: Object.freeze({
      name: e.BERTH_LEASE_NAME,
      namespace: e.BERTH_LEASE_NAMESPACE,
      seconds: e.BERTH_LEASE_SECONDS,
      identity: e.POD_NAME,
    }),
  });
}
