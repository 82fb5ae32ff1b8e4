// Requests to the API server share one dispatcher (so their TLS connections are kept alive), where
// client-node alone gives each request a new one: checked on the request contexts the generated
// clients build, without a server (no request is sent). A cluster with TLS settings of its own
// (here: verification off; in Berth: its CA) is what makes client-node build a dispatcher at all.
import { KubeConfig, RequestContext } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KeptAliveKubeConfig } from "../../../src/adapters/kube/kube-config.ts";

function load<T extends KubeConfig>(config: T): T {
  config.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:6443", skipTLSVerify: true }],
    users: [{ name: "u", token: "t0ken" }],
    contexts: [{ name: "ctx", cluster: "c", user: "u" }],
    currentContext: "ctx",
  });
  return config;
}

async function dispatcherOf(config: KubeConfig) {
  const context = new RequestContext("https://127.0.0.1:6443/api/v1/namespaces", "GET" as never);
  await config.applySecurityAuthentication(context);
  return { dispatcher: context.getDispatcher(), auth: context.getHeaders().Authorization };
}

describe("Berth's kubeconfig", () => {
  it("gives every request the same dispatcher, and still its credentials", async () => {
    const config = load(new KeptAliveKubeConfig());
    const first = await dispatcherOf(config);
    const second = await dispatcherOf(config);
    expect(first.dispatcher).toBeDefined();
    expect(second.dispatcher).toBe(first.dispatcher);
    expect(second.auth).toBe("Bearer t0ken");
  });

  it("where client-node's own gives each request a new one (why Berth's exists)", async () => {
    const config = load(new KubeConfig());
    expect((await dispatcherOf(config)).dispatcher).not.toBe((await dispatcherOf(config)).dispatcher);
  });
});
