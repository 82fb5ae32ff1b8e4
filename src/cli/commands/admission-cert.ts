// berth admission-cert: the admission webhooks' serving certificate for a cluster without
// cert-manager. Prints, for `kubectl apply -f -`, the Secret berth-admission-tls (a new CA and a
// certificate for the `berth` Service's DNS names) and both webhook configurations carrying that
// CA as their caBundle. Run it again to rotate; the replicas read the renewed files within a minute.
import type { Command } from "commander";
import { action } from "../client.ts";

export function register(program: Command): void {
  program
    .command("admission-cert")
    .description(
      "Print the admission webhooks' serving certificate Secret and the webhook configurations with its CA (for kubectl apply -f -)",
    )
    .option("--namespace <name>", "namespace of Berth's Service", "berth")
    .option("--service <name>", "name of Berth's Service", "berth")
    .addHelpText("after", "\nExample:\n  berth admission-cert | kubectl apply -f -\n")
    .action(
      action(async (o: { namespace: string; service: string }) => {
        // Loaded here, not at the top: `berth --help` must not pay for them.
        const { admissionCertManifests } = await import("../../adapters/kube/admission/cert-manifests.ts");
        process.stdout.write(
          admissionCertManifests({ namespace: o.namespace, service: o.service, now: Date.now() }),
        );
      }),
    );
}
