// The leader of Berth's replicas on Kubernetes: whoever holds a coordination.k8s.io/v1 Lease, as
// Kubernetes' own controllers elect theirs. Writes go through the Lease's resourceVersion, so of two
// replicas racing for it exactly one wins. A follower takes the Lease over only after seeing the
// same holder and renewTime for a whole lease duration on its own clock (no clock comparison between
// machines); the leader renews it every `retryMs` and steps down when it has not managed to for
// `renewDeadlineMs`, which is shorter than the lease, so it has stopped before anyone else may start.
// A graceful stop hands the Lease back at once.
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Leadership } from "../../services/leadership/leadership.ts";
import { isNotFound, kubeStatus } from "./kube-errors.ts";

export interface LeaseOptions {
  readonly kubeconfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Who this replica is (the pod's name on a cluster); unique among the replicas. */
  readonly identity: string;
  readonly leaseSeconds?: number;
  readonly renewDeadlineMs?: number;
  readonly retryMs?: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

export function leaseLeadership(o: LeaseOptions): Leadership {
  const api = o.kubeconfig.makeApiClient(CoordinationV1Api);
  const leaseSeconds = o.leaseSeconds ?? 15;
  const renewDeadlineMs = o.renewDeadlineMs ?? Math.round(leaseSeconds * 666);
  const retryMs = o.retryMs ?? Math.max(500, Math.round((leaseSeconds * 1000) / 7));
  const now = o.now ?? Date.now;
  const listeners: ((leader: boolean) => void)[] = [];
  const { namespace, name, identity } = o;
  let leader = false;
  let stopped = false;
  let lastRenewed = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  /** The other holder's record as last seen, and when (on this replica's clock) it was first seen. */
  let observed: { key: string; at: number } | undefined;

  const setLeader = (value: boolean) => {
    if (leader === value) return;
    leader = value;
    o.logger.info(
      { leader: value, lease: `${namespace}/${name}`, identity },
      value ? "became the leader: this replica runs the loop" : "no longer the leader",
    );
    for (const l of listeners) l(value);
  };

  const spec = (previous: V1Lease["spec"], t: number): NonNullable<V1Lease["spec"]> => {
    const taking = previous?.holderIdentity !== identity;
    return {
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      renewTime: new V1MicroTime(t),
      acquireTime: taking || !previous?.acquireTime ? new V1MicroTime(t) : previous.acquireTime,
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (taking && previous?.holderIdentity ? 1 : 0),
    };
  };

  /** One attempt to take or renew the Lease; true when this replica holds it afterwards. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    const t = now();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await api.createNamespacedLease({
        namespace,
        body: { metadata: { name, namespace }, spec: spec(undefined, t) },
      });
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    if (holder && holder !== identity) {
      const key = `${holder}@${lease.spec?.renewTime?.toISOString?.() ?? lease.spec?.renewTime}`;
      if (observed?.key !== key) observed = { key, at: t };
      const duration = (lease.spec?.leaseDurationSeconds ?? leaseSeconds) * 1000;
      if (t - observed.at < duration) return false; // held and renewed within the lease: not ours
      o.logger.info(
        { holder, lease: `${namespace}/${name}` },
        "the leader stopped renewing its lease: taking it",
      );
    }
    // Replace carries the resourceVersion read: another replica's write in between makes it fail.
    await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: spec(lease.spec, t) } });
    observed = undefined;
    return true;
  }

  async function round(): Promise<void> {
    try {
      const held = await tryAcquireOrRenew();
      if (stopped) return;
      if (held) {
        lastRenewed = now();
        setLeader(true);
      } else setLeader(false);
    } catch (err) {
      const status = kubeStatus(err);
      // 409: another replica wrote the Lease first (it leads, or is taking it); anything else is a
      // failed renewal, fatal to the leadership only once the renew deadline has passed.
      if (status.code !== 409) o.logger.warn({ err, lease: `${namespace}/${name}` }, "lease request failed");
      if (leader && (status.code === 409 || now() - lastRenewed >= renewDeadlineMs)) setLeader(false);
    }
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(schedule);
    }, retryMs);
    timer.unref();
  };
  running = round().finally(schedule);

  return {
    isLeader: () => leader,
    onChange: (l) => listeners.push(l),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      if (!leader) return;
      leader = false;
      // Handing the Lease back lets the next replica take it at its next try, not a lease later.
      try {
        const lease = await api.readNamespacedLease({ name, namespace });
        if (lease.spec?.holderIdentity === identity) {
          await api.replaceNamespacedLease({
            name,
            namespace,
            body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1 } },
          });
        }
      } catch (err) {
        o.logger.warn({ err }, "handing the lease back failed; the next leader waits for it to expire");
      }
    },
  };
}
