// k6-operator's TestRun (CRD testruns.k6.io, version v1alpha1) as a TypeScript type, so that
// deploy/k8s/k6-testrun.yaml is type-checked like the Kubernetes manifests: a misspelt or
// misplaced field, or a value of the wrong type, fails the check. No npm package carries
// this CRD, so the type is written here from the CRD's schema: every field of `spec`, with
// the pod settings of runner/starter/initializer typed by their Kubernetes counterparts.
// Fields the CRD accepts and this type lacks would be reported as errors: add them here.

import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import type { IAffinity } from "kubernetes-models/v1/Affinity";
import type { IContainerPort } from "kubernetes-models/v1/ContainerPort";
import type { IEnvFromSource } from "kubernetes-models/v1/EnvFromSource";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { ILocalObjectReference } from "kubernetes-models/v1/LocalObjectReference";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import type { ITopologySpreadConstraint } from "kubernetes-models/v1/TopologySpreadConstraint";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";

/** The pods a TestRun starts: runner (k6 itself), starter, initializer. */
export interface ITestRunPod {
    affinity?: IAffinity;
    /** A string in the CRD, not a boolean. */
    automountServiceAccountToken?: string;
    containerSecurityContext?: ISecurityContext;
    disabled?: boolean;
    env?: IEnvVar[];
    envFrom?: IEnvFromSource[];
    image?: string;
    imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
    imagePullSecrets?: ILocalObjectReference[];
    initContainers?: {
        name?: string;
        image?: string;
        command?: string[];
        args?: string[];
        env?: IEnvVar[];
        envFrom?: IEnvFromSource[];
        resources?: IResourceRequirements;
        restartPolicy?: string;
    }[];
    livenessProbe?: IProbe;
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    nodeSelector?: Record<string, string>;
    priorityClassName?: string;
    readinessProbe?: IProbe;
    resources?: IResourceRequirements;
    schedulerName?: string;
    securityContext?: IPodSecurityContext;
    serviceAccountName?: string;
    tolerations?: IToleration[];
    topologySpreadConstraints?: ITopologySpreadConstraint[];
    volumeMounts?: IVolumeMount[];
    volumes?: IVolume[];
}

export interface ITestRun {
    apiVersion: "k6.io/v1alpha1";
    kind: "TestRun";
    metadata: IIoK8sApimachineryPkgApisMetaV1ObjectMeta;
    spec: {
        /** How many k6 runners share the script's load (each gets an execution segment). */
        parallelism: number;
        /** Exactly one of the three. */
        script: {
            configMap?: { name: string; file?: string };
            volumeClaim?: { name: string; file?: string; readOnly?: boolean };
            localFile?: string;
        };
        arguments?: string;
        args?: string[];
        cleanup?: "post";
        initializer?: ITestRunPod;
        paused?: string;
        ports?: IContainerPort[];
        quiet?: string;
        runner?: ITestRunPod;
        scuttle?: {
            disableLogging?: boolean;
            enabled?: string;
            envoyAdminApi?: string;
            genericQuitEndpoint?: string;
            istioQuitApi?: string;
            neverKillIstio?: boolean;
            neverKillIstioOnFailure?: boolean;
            quitWithoutEnvoyTimeout?: string;
            startWithoutEnvoy?: boolean;
            waitForEnvoyTimeout?: string;
        };
        separate?: boolean;
        starter?: ITestRunPod;
        testRunId?: string;
        token?: string;
    };
}
