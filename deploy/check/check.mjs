// Static checks of deploy/: the compose file against the Compose Specification's JSON
// schema (the one dclint ships) and dclint's rules, the Kubernetes manifests against the
// Kubernetes API (kubernetes-models: each object's validate(), and TypeScript's check of
// every field name and type), the k6-operator TestRun against its CRD's fields
// (testrun.d.ts), and what ties the files to each other and to the project: ports, names,
// selectors, the ConfigMap's server.ini, the drain timeout against the grace periods, the
// memory request against the benchmark's figure; the compose file's monitoring profile
// against deploy/prometheus and deploy/grafana (mounts, scrape target, data source, the
// dashboard's JSON and queries). No Docker engine, cluster or network.
//
//   node deploy/check/check.mjs                      (scripts/ci/check-deploy.sh runs it)
//   node deploy/check/check.mjs --update-configmap   rewrite deploy/k8s/configmap.yaml from
//                                                    config/server.ini
//
// Prints one line per check and closes with "deploy checks: N passed, N failed"; exits 1
// on any failure.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import Ajv from "ajv";
import YAML from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");
const k8sDir = path.join(repo, "deploy", "k8s");
const rel = (file) => path.relative(repo, file);

const results = [];
function check(name, ok, detail = "") {
    results.push(Boolean(ok));
    console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
    return Boolean(ok);
}

/** Every YAML document of a file; a syntax error or a duplicate key fails the check. */
function loadYaml(file) {
    const documents = YAML.parseAllDocuments(readFileSync(file, "utf8"), { uniqueKeys: true });
    const problems = documents.flatMap((d) => [...d.errors, ...d.warnings].map((e) => e.message));
    check(`${rel(file)} is well-formed YAML`, problems.length === 0, problems.join("; "));
    return documents.map((d) => d.toJS());
}

// ---- The project's own facts ----

/** { "section": { key: value } } of an INI file (comments on their own lines). */
function parseIni(text) {
    const sections = {};
    let current = sections[""] = {};
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (!line || line.startsWith(";") || line.startsWith("#")) continue;
        const header = line.match(/^\[([^\]]+)\]$/);
        if (header) {
            current = sections[header[1]] ??= {};
            continue;
        }
        const at = line.indexOf("=");
        if (at > 0) current[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return sections;
}

// The Dockerfile lays the image's configuration out with this substitution (each plugin's
// `library` pointed at ../plugins/); the ConfigMap must hold exactly that file.
const DOCKERFILE_LIBRARY_SED = String.raw`s#^([[:space:]]*library[[:space:]]*=[[:space:]]*).*/([^/[:space:]]+\.so)[[:space:]]*$#\1../plugins/\2#`;
function imageServerIni() {
    return readFileSync(path.join(repo, "config", "server.ini"), "utf8")
        .split("\n")
        .map((line) => line.replace(/^(\s*library\s*=\s*).*\/([^/\s]+\.so)\s*$/, "$1../plugins/$2"))
        .join("\n");
}

function configMapYaml(serverIni) {
    const body = serverIni.replace(/\n$/, "").split("\n").map((line) => (line ? `    ${line}` : "")).join("\n");
    return `# The host's configuration, mounted at /app/config. It is the image's own: config/server.ini
# with each plugin's library pointed at ../plugins/ (/app/plugins, the shared volume), as the
# Dockerfile makes it. Generated: edit config/server.ini, then run
#   node deploy/check/check.mjs --update-configmap
# (CI fails while the two differ). The host reads it at start; after changing it,
# kubectl rollout restart deployment/plugin-host.
apiVersion: v1
kind: ConfigMap
metadata:
  name: plugin-host-config
  labels:
    app.kubernetes.io/name: plugin-host
data:
  server.ini: |
${body}
`;
}

if (process.argv.includes("--update-configmap")) {
    writeFileSync(path.join(k8sDir, "configmap.yaml"), configMapYaml(imageServerIni()));
    console.log("wrote deploy/k8s/configmap.yaml");
    process.exit(0);
}

const defaultIni = parseIni(readFileSync(path.join(repo, "config", "server.ini"), "utf8"));
const dockerfile = readFileSync(path.join(repo, "Dockerfile"), "utf8");
const imageUid = Number(dockerfile.match(/--uid (\d+)/)?.[1]);

/** Seconds of a compose duration ("40s", "1m30s"). */
function seconds(duration) {
    let total = 0;
    for (const [, value, unit] of String(duration).matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms|us)/g)) {
        total += Number(value) * { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6 }[unit];
    }
    return total;
}

/** MiB of a Kubernetes memory quantity ("64Mi", "1Gi", "128M"). */
function mebibytes(quantity) {
    const match = String(quantity).match(/^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/);
    if (!match) return NaN;
    const factor = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 }[match[2]] ?? 1;
    return (Number(match[1]) * factor) / 2 ** 20;
}

/** The largest peak memory plugin-host reached in the benchmark run docs/benchmark.md quotes. */
function benchmarkPeakMib() {
    const [header, ...rows] = readFileSync(path.join(repo, "docs", "results", "results.csv"), "utf8").trim().split("\n");
    const columns = header.split(",");
    const at = (name) => columns.indexOf(name);
    return Math.max(...rows.map((row) => row.split(","))
        .filter((cells) => cells[at("server")] === "host" && cells[at("source")] === "measured")
        .map((cells) => Number(cells[at("peak_rss_mib")])));
}

function drainSeconds(ini) {
    return Number(ini.server?.drain_timeout_ms ?? 30000) / 1000;
}

// ---- Compose ----

function checkCompose() {
    console.log("\n-- deploy/compose.yaml");
    const file = path.join(repo, "deploy", "compose.yaml");
    const [compose] = loadYaml(file);

    const schema = JSON.parse(readFileSync(path.join(here, "node_modules", "dclint", "schemas", "compose.schema.json"), "utf8"));
    // Draft-07, named by an address Ajv does not register: compile it as draft-07 as it is.
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    check("follows the Compose Specification's schema", valid,
        (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`).join("; "));

    const dclint = spawnSync(process.execPath, [path.join(here, "node_modules", "dclint", "bin", "dclint.cjs"),
        "-c", path.join(here, "dclint.json"), file], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    check("passes dclint's rules (deploy/check/dclint.json)", dclint.status === 0,
        (dclint.stdout + dclint.stderr).trim());

    const services = compose.services ?? {};
    const { balancer, host, k6 } = services;
    if (!check("has the services balancer, host and k6", balancer && host && k6)) return;

    const context = path.resolve(path.dirname(file), host.build?.context ?? ".");
    check("host is built from the repository's Dockerfile", existsSync(path.join(context, "Dockerfile")), rel(context));

    for (const [name, service] of Object.entries(services)) {
        for (const volume of service.volumes ?? []) {
            const source = String(typeof volume === "string" ? volume.split(":")[0] : volume.source);
            if (source.startsWith(".") || source.startsWith("/")) {
                const resolved = path.resolve(path.dirname(file), source);
                check(`${name}: bind-mounted ${source} exists`, existsSync(resolved), rel(resolved));
            } else {
                check(`${name}: volume ${source} is declared`, Object.hasOwn(compose.volumes ?? {}, source));
            }
        }
        for (const target of Object.keys(service.depends_on ?? {})) {
            check(`${name} depends on a service that exists (${target})`, Object.hasOwn(services, target));
        }
    }

    // nginx.conf must point at this file's service and port, and listen where the balancer
    // publishes and k6 sends.
    const nginx = readFileSync(path.join(repo, "deploy", "nginx", "nginx.conf"), "utf8");
    const upstream = nginx.match(/^\s*server\s+([\w.-]+):(\d+)\b/m);
    const listen = nginx.match(/^\s*listen\s+(\d+)\b/m);
    check("nginx.conf's upstream is the host service on a port it exposes",
        upstream && upstream[1] === "host" && (host.expose ?? []).map(String).includes(upstream[2]),
        upstream ? `${upstream[1]}:${upstream[2]}` : "no upstream server line");
    check("the host service listens where nginx.conf sends (config/server.ini's port)",
        upstream && String(defaultIni.server?.port ?? 8991) === upstream[2]);
    const published = (balancer.ports ?? []).map((p) => String(p).split(":").pop());
    check("the balancer publishes the port nginx.conf listens on", listen && published.includes(listen[1]),
        `listen ${listen?.[1]}, published ${published.join(", ")}`);
    check("k6 runs against the balancer", k6.environment?.BASE_URL === `http://balancer:${listen?.[1]}`,
        k6.environment?.BASE_URL);
    const script = (k6.command ?? []).find((arg) => String(arg).endsWith(".js"));
    const scriptMount = (k6.volumes ?? []).map(String).find((v) => script?.startsWith(v.split(":")[1] + "/"));
    check("k6 runs the repository's k6 script",
        scriptMount && existsSync(path.resolve(path.dirname(file), scriptMount.split(":")[0],
            path.relative(scriptMount.split(":")[1], script))), script);

    const drain = drainSeconds(defaultIni);
    check("host's stop_grace_period outlasts the host's drain_timeout_ms",
        seconds(host.stop_grace_period) > drain, `${host.stop_grace_period} against ${drain} s`);
    check("host stops on SIGTERM", host.stop_signal === "SIGTERM");
    check("the balancer stops gracefully (SIGQUIT)", balancer.stop_signal === "SIGQUIT");
    check("the balancer starts once a host replica is healthy", balancer.depends_on?.host?.condition === "service_healthy");
    return compose;
}

// ---- Monitoring: the compose profile, Prometheus, Grafana ----

/** Where a service mounts a file or folder of deploy/ (its container path), or undefined. */
function mountOf(service, source) {
    const volume = (service?.volumes ?? []).map(String).find((v) => v.split(":")[0] === source);
    return volume?.split(":")[1];
}

/** The job="..." names of PromQL expressions. */
function jobsOf(expressions) {
    return new Set(expressions.flatMap((e) => [...e.matchAll(/\bjob\s*=\s*"([^"]*)"/g)].map((m) => m[1])));
}

function checkMonitoring(compose) {
    console.log("\n-- monitoring: compose profile, deploy/prometheus, deploy/grafana");
    const services = compose?.services ?? {};
    const { prometheus, grafana, host } = services;
    if (!check("compose has the services prometheus and grafana", prometheus && grafana)) return;
    const inProfile = Object.entries(services).filter(([, s]) => (s.profiles ?? []).includes("monitoring")).map(([n]) => n);
    check("prometheus and grafana, and only they, are in the profile monitoring",
        JSON.stringify(inProfile.sort()) === JSON.stringify(["grafana", "prometheus"]), inProfile.join(", "));
    check("a plain `up` starts the balancer and host as before (no profile on them)",
        !services.balancer?.profiles && !host?.profiles);

    const dir = path.join(repo, "deploy", "prometheus");
    const [config] = loadYaml(path.join(dir, "prometheus.yml"));
    const [rules] = loadYaml(path.join(dir, "alerts.yml"));
    const configAt = mountOf(prometheus, "./prometheus/prometheus.yml");
    check("compose mounts prometheus.yml where the image reads it", configAt === "/etc/prometheus/prometheus.yml", configAt);
    for (const file of config.rule_files ?? []) {
        const at = mountOf(prometheus, `./prometheus/${file}`);
        check(`compose mounts the rule file ${file} where prometheus.yml names it`,
            existsSync(path.join(dir, file)) && at === path.posix.join(path.posix.dirname(configAt ?? ""), file), at);
    }
    const job = (config.scrape_configs ?? []).find((j) => j.job_name === "plugin-host");
    const hostPort = (host?.expose ?? []).map(String)[0];
    const dns = job?.dns_sd_configs?.[0];
    check("Prometheus scrapes every replica of the host service on the port it exposes",
        dns?.names?.includes("host") && dns.type === "A" && String(dns.port) === hostPort && (job.metrics_path ?? "/metrics") === "/metrics",
        `${dns?.names} port ${dns?.port} against ${hostPort}`);
    const alerts = (rules.groups ?? []).flatMap((g) => g.rules ?? []).filter((r) => r.alert);
    check("alerts.yml has the alerts docs/monitoring.md describes",
        JSON.stringify(alerts.map((r) => r.alert).sort()) ===
        JSON.stringify(["PluginHostAtCapacity", "PluginHostDown", "PluginHostPluginRefused", "PluginHostServerErrors"]),
        alerts.map((r) => r.alert).join(", "));
    check("every alert says what happened and what to do (summary, description)",
        alerts.every((r) => r.annotations?.summary && r.annotations?.description));
    const alertJobs = [...jobsOf(alerts.map((r) => String(r.expr)))];
    check("the alerts select the scrape job's name", alertJobs.length === 1 && alertJobs[0] === job?.job_name, alertJobs.join(", "));

    const grafanaDir = path.join(repo, "deploy", "grafana");
    const [datasources] = loadYaml(path.join(grafanaDir, "provisioning", "datasources", "prometheus.yml"));
    const [providers] = loadYaml(path.join(grafanaDir, "provisioning", "dashboards", "plugin-host.yml"));
    check("compose mounts the provisioning folder where Grafana reads it",
        mountOf(grafana, "./grafana/provisioning") === "/etc/grafana/provisioning");
    const source = (datasources.datasources ?? []).find((d) => d.type === "prometheus");
    const prometheusPort = (prometheus.ports ?? []).map((p) => String(p).split(":").pop())[0];
    check("the data source is the prometheus service on the port it listens on",
        source?.url === `http://prometheus:${prometheusPort}` && source.access === "proxy", source?.url);
    const dashboardAt = mountOf(grafana, "./grafana/plugin-host.json");
    const provider = (providers.providers ?? []).find((p) => p.type === "file");
    check("the dashboard provider reads the folder compose mounts plugin-host.json in",
        dashboardAt && provider?.options?.path === path.posix.dirname(dashboardAt), `${provider?.options?.path} against ${dashboardAt}`);

    let dashboard = {};
    const dashboardFile = path.join(grafanaDir, "plugin-host.json");
    try {
        dashboard = JSON.parse(readFileSync(dashboardFile, "utf8"));
        check(`${rel(dashboardFile)} is well-formed JSON`, true);
    } catch (error) {
        check(`${rel(dashboardFile)} is well-formed JSON`, false, error.message);
        return;
    }
    const panels = dashboard.panels ?? [];
    check("the dashboard has a uid, a title and panels", dashboard.uid && dashboard.title && panels.length > 0);
    const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));
    check("every panel has a title, a place and a query",
        panels.every((p) => p.title && ["x", "y", "w", "h"].every((k) => Number.isInteger(p.gridPos?.[k])) &&
            (p.targets ?? []).length > 0 && p.targets.every((t) => t.expr)));
    const overlaps = panels.filter((a, i) => panels.slice(i + 1).some((b) =>
        a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w &&
        a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h));
    check("no two panels overlap, none is wider than the grid",
        overlaps.length === 0 && panels.every((p) => p.gridPos.x + p.gridPos.w <= 24), overlaps.map((p) => p.title).join(", "));
    const unknownSources = targets.filter(({ panel, target }) =>
        [panel.datasource, target.datasource].some((d) => d && (d.type !== "prometheus" || d.uid !== source?.uid)));
    check("every query uses the provisioned data source", unknownSources.length === 0,
        [...new Set(unknownSources.map(({ panel }) => panel.title))].join(", "));
    const dashboardJobs = [...jobsOf(targets.map(({ target }) => target.expr))];
    check("every query selects the scrape job's name", dashboardJobs.length === 1 && dashboardJobs[0] === job?.job_name,
        dashboardJobs.join(", "));
    check("compose's Grafana opens on the dashboard",
        grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH === dashboardAt);
}

// ---- Kubernetes ----

const MODELS = {
    "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
    "v1/PersistentVolumeClaim": "kubernetes-models/v1/PersistentVolumeClaim",
    "v1/Service": "kubernetes-models/v1/Service",
    "apps/v1/Deployment": "kubernetes-models/apps/v1/Deployment",
    "policy/v1/PodDisruptionBudget": "kubernetes-models/policy/v1/PodDisruptionBudget",
};

async function checkKubernetes(generated) {
    console.log("\n-- deploy/k8s");
    const [kustomization] = loadYaml(path.join(k8sDir, "kustomization.yaml"));
    const known = new Set(["apiVersion", "kind", "resources", "images", "namespace", "labels", "commonLabels",
        "commonAnnotations", "namePrefix", "nameSuffix", "configMapGenerator", "secretGenerator", "patches",
        "replicas", "components", "generatorOptions"]);
    const unknown = Object.keys(kustomization).filter((key) => !known.has(key));
    check("kustomization.yaml is a Kustomization with known fields",
        kustomization.apiVersion === "kustomize.config.k8s.io/v1beta1" && kustomization.kind === "Kustomization" &&
        unknown.length === 0, unknown.join(", "));
    const listed = kustomization.resources ?? [];
    const manifests = readdirSync(k8sDir).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml" && f !== "k6-testrun.yaml");
    check("kustomization.yaml lists every manifest of deploy/k8s (but the TestRun)",
        JSON.stringify([...listed].sort()) === JSON.stringify([...manifests].sort()),
        `lists ${listed.join(", ")}; found ${manifests.join(", ")}`);

    const objects = [];
    for (const name of listed) {
        const file = path.join(k8sDir, name);
        if (!check(`${name} exists`, existsSync(file))) continue;
        loadYaml(file).forEach((object, index) => objects.push({ object, name, index }));
    }
    for (const { object, name, index } of objects) {
        const type = `${object.apiVersion}/${object.kind}`;
        const module = MODELS[type];
        if (!check(`${name}: ${type} is a kind this check knows`, module)) continue;
        const model = await import(module);
        const Model = model[object.kind];
        let problem = "";
        try {
            new Model(object).validate();
        } catch (error) {
            problem = error.message;
        }
        check(`${name}: ${object.kind} ${object.metadata?.name} passes the Kubernetes API's validation`, !problem, problem);
        generated.push({
            file: `${name}.${index}.ts`,
            text: `import type { I${object.kind} } from "${module}";\n` +
                `export const manifest: I${object.kind} = ${JSON.stringify(object, null, 4)};\n`,
        });
    }

    const find = (kind) => objects.map((o) => o.object).find((o) => o.kind === kind);
    const deployment = find("Deployment");
    const service = find("Service");
    const configMap = find("ConfigMap");
    const pvc = find("PersistentVolumeClaim");
    const pdb = find("PodDisruptionBudget");
    if (!check("has a Deployment, Service, ConfigMap, PersistentVolumeClaim and PodDisruptionBudget",
        deployment && service && configMap && pvc && pdb)) return {};

    // The ConfigMap's server.ini is the image's.
    check("the Dockerfile still lays out /app/config/server.ini as this check does",
        dockerfile.includes(DOCKERFILE_LIBRARY_SED));
    const expected = imageServerIni();
    const actual = configMap.data?.["server.ini"];
    check("configmap.yaml holds the image's server.ini (config/server.ini, libraries in ../plugins/)",
        actual === expected,
        actual === expected ? "" : "run: node deploy/check/check.mjs --update-configmap");
    const ini = parseIni(actual ?? "");

    const pod = deployment.spec.template.spec;
    const labels = deployment.spec.template.metadata?.labels ?? {};
    const selects = (selector) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
    check("the Deployment's selector matches its pods", selects(deployment.spec.selector.matchLabels));
    check("the Service selects the Deployment's pods", selects(service.spec.selector));
    check("the PodDisruptionBudget selects the Deployment's pods", selects(pdb.spec.selector?.matchLabels));

    const container = pod.containers.find((c) => c.name === "plugin-host");
    if (!check("the Deployment has the container plugin-host", container)) return {};
    const [image] = container.image.split(":");
    check("kustomization.yaml's images entry names the Deployment's image",
        (kustomization.images ?? []).some((i) => i.name === image), image);
    const port = container.ports?.find((p) => p.name === "http");
    check("the container port is server.ini's port", port && String(port.containerPort) === String(ini.server?.port ?? 8991),
        `${port?.containerPort} against ${ini.server?.port}`);
    check("the Service's targetPort is that port", service.spec.ports.some((p) => p.targetPort === "http"));

    // Configuration, plugins and /tmp.
    const configArg = container.args?.[container.args.indexOf("--config") + 1];
    const mounts = Object.fromEntries((container.volumeMounts ?? []).map((m) => [m.mountPath, m]));
    const volumes = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
    const configMount = configArg && mounts[path.posix.dirname(configArg)];
    check("--config names server.ini in the ConfigMap's mount",
        configMount && volumes[configMount.name]?.configMap?.name === configMap.metadata.name &&
        path.posix.basename(configArg) === "server.ini", configArg);
    const libraries = Object.entries(ini).filter(([s]) => s.startsWith("plugin.")).map(([, keys]) => keys.library);
    const pluginDir = path.posix.normalize(path.posix.join(path.posix.dirname(configArg ?? "/"), path.posix.dirname(libraries[0] ?? "")));
    const pluginMount = mounts[pluginDir];
    check("the plugins server.ini names are in the shared volume",
        libraries.length > 0 && libraries.every((l) => path.posix.dirname(l) === path.posix.dirname(libraries[0])) &&
        pluginMount && volumes[pluginMount.name]?.persistentVolumeClaim?.claimName === pvc.metadata.name &&
        pluginMount.subPath === "plugins", `${pluginDir} (${libraries.join(", ")})`);
    check("every volume mount names a volume of the pod",
        [...pod.containers, ...(pod.initContainers ?? [])].every((c) => (c.volumeMounts ?? []).every((m) => volumes[m.name])));
    check("/tmp is writable with the root file system read-only",
        container.securityContext?.readOnlyRootFilesystem === true && mounts["/tmp"] && volumes[mounts["/tmp"].name]?.emptyDir);
    check("the pods run as the image's user", pod.securityContext?.runAsUser === imageUid, `${pod.securityContext?.runAsUser} against ${imageUid}`);

    // Probes and stopping.
    const readiness = (container.readinessProbe?.exec?.command ?? []).join(" ");
    const preStop = (container.lifecycle?.preStop?.exec?.command ?? []).join(" ");
    const marker = readiness.match(/test ! -e (\S+)/)?.[1];
    check("readiness runs the image's /healthz check unless the pod is stopping",
        marker && readiness.includes("/app/bin/healthcheck"), readiness);
    check("liveness is GET /healthz on the host's port",
        container.livenessProbe?.httpGet?.path === "/healthz" && container.livenessProbe.httpGet.port === "http");
    check("preStop first fails readiness, then waits", marker && preStop.includes(`touch ${marker}`) && /sleep \d+/.test(preStop), preStop);
    const preStopSleep = Number(preStop.match(/sleep (\d+)/)?.[1] ?? 0);
    const unreadyWithin = (container.readinessProbe?.periodSeconds ?? 10) * (container.readinessProbe?.failureThreshold ?? 3);
    check("preStop waits until readiness has failed", preStopSleep >= unreadyWithin, `${preStopSleep} s against ${unreadyWithin} s`);
    const drain = drainSeconds(ini);
    check("terminationGracePeriodSeconds covers preStop and drain_timeout_ms",
        pod.terminationGracePeriodSeconds > preStopSleep + drain,
        `${pod.terminationGracePeriodSeconds} s against ${preStopSleep} s + ${drain} s`);

    // Resources from the benchmark.
    const peak = benchmarkPeakMib();
    const request = mebibytes(container.resources?.requests?.memory);
    const limit = mebibytes(container.resources?.limits?.memory);
    check("the memory request covers the benchmark's peak (docs/results)", request >= peak,
        `${container.resources?.requests?.memory} against ${peak.toFixed(1)} MiB`);
    check("the memory limit is above the request", limit > request);

    return { service };
}

function checkTestRun(generated, service) {
    console.log("\n-- deploy/k8s/k6-testrun.yaml");
    const [testRun] = loadYaml(path.join(k8sDir, "k6-testrun.yaml"));
    generated.push({
        file: "k6-testrun.yaml.0.ts",
        text: `import type { ITestRun } from "../testrun.d.ts";\n` +
            `export const manifest: ITestRun = ${JSON.stringify(testRun, null, 4)};\n`,
    });
    const spec = testRun.spec ?? {};
    check("parallelism is a whole number of runners", Number.isInteger(spec.parallelism) && spec.parallelism >= 1, spec.parallelism);
    const sources = ["configMap", "volumeClaim", "localFile"].filter((s) => spec.script?.[s] !== undefined);
    check("the script comes from one source", sources.length === 1, sources.join(", "));
    const script = path.join(repo, "k6", "api_performance_test.js");
    check("the script is k6/api_performance_test.js", spec.script?.configMap?.file === path.basename(script) && existsSync(script));
    const env = Object.fromEntries((spec.runner?.env ?? []).map((e) => [e.name, e.value]));
    const servicePort = service?.spec?.ports?.[0]?.port;
    check("BASE_URL is the plugin-host Service", env.BASE_URL === `http://${service?.metadata?.name}:${servicePort}`, env.BASE_URL);
    check("VUS and DURATION are set", /^\d+$/.test(env.VUS ?? "") && /^\d+[smh]$/.test(env.DURATION ?? ""),
        `VUS=${env.VUS} DURATION=${env.DURATION}`);
}

function typeCheck(generated) {
    console.log("\n-- field names and types (TypeScript)");
    const dir = path.join(here, "generated");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    for (const { file, text } of generated) writeFileSync(path.join(dir, file), text);
    const tsc = spawnSync(process.execPath, [path.join(here, "node_modules", "typescript", "bin", "tsc"), "-p", here],
        { encoding: "utf8", cwd: here });
    check(`every field of the ${generated.length} manifests is known and of its type`, tsc.status === 0,
        (tsc.stdout + tsc.stderr).trim());
}

const generated = [];
checkMonitoring(checkCompose());
const { service } = await checkKubernetes(generated);
checkTestRun(generated, service);
typeCheck(generated);

const passed = results.filter(Boolean).length;
console.log(`\ndeploy checks: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
