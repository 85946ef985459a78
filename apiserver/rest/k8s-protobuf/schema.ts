/**
 * The Kubernetes protobuf schema of the objects clients send as
 * `application/vnd.kubernetes.protobuf`: for each message, its fields by number, with the
 * JSON (manifest) name and the type of each. The field numbers are those of Kubernetes'
 * published generated.proto files (k8s.io/api <group>/v1, autoscaling/v2 and
 * k8s.io/apimachinery meta/v1, as of Kubernetes 1.33; Kubernetes never renumbers a field).
 * A second version of a group has a package of its own (`autoscalingv1`: autoscaling/v1).
 *
 * One message a line (continued on lines that start with spaces):
 * `<package>.<Message> <field>...`, each field `<jsonName>=<number>[:<type>]`:
 * - type: `s` string (the default), `b` bytes (base64 in JSON), `i32`, `i64`, `bool`,
 *   `f64`; `Time` (whole seconds), `MicroTime`, `Quantity`, `IntOrString`,
 *   `RawExtension`, `FieldsV1`, `ExtraValue` (a list of strings); or another message;
 *   `[T]` a repeated field, `{T}` a map from strings to T.
 * - `name?=` a Go pointer or optional field: present on the wire means set, so its zero
 *   value (0, false, "", {}) is kept. Without `?` a Go value field, always on the wire:
 *   its zero value means unset and is left out, as Kubernetes' JSON leaves it out.
 * - `...name=` an embedded (inline) struct: its fields belong to the enclosing object.
 */
export const kubernetesSchema = `
apps.ControllerRevision metadata=1:meta.ObjectMeta data=2:RawExtension revision=3:i64
apps.DaemonSet metadata=1:meta.ObjectMeta spec=2:apps.DaemonSetSpec status=3:apps.DaemonSetStatus
apps.DaemonSetCondition type=1 status=2 lastTransitionTime=3:Time reason=4 message=5
apps.DaemonSetSpec selector?=1:meta.LabelSelector template=2:core.PodTemplateSpec
    updateStrategy=3:apps.DaemonSetUpdateStrategy minReadySeconds=4:i32
    revisionHistoryLimit?=6:i32
apps.DaemonSetStatus currentNumberScheduled=1:i32 numberMisscheduled=2:i32
    desiredNumberScheduled=3:i32 numberReady=4:i32 observedGeneration=5:i64
    updatedNumberScheduled=6:i32 numberAvailable=7:i32 numberUnavailable=8:i32
    collisionCount?=9:i32 conditions=10:[apps.DaemonSetCondition]
apps.DaemonSetUpdateStrategy type=1 rollingUpdate?=2:apps.RollingUpdateDaemonSet
apps.Deployment metadata=1:meta.ObjectMeta spec=2:apps.DeploymentSpec status=3:apps.DeploymentStatus
apps.DeploymentCondition type=1 status=2 lastUpdateTime=6:Time lastTransitionTime=7:Time reason=4
    message=5
apps.DeploymentSpec replicas?=1:i32 selector?=2:meta.LabelSelector template=3:core.PodTemplateSpec
    strategy=4:apps.DeploymentStrategy minReadySeconds=5:i32
    revisionHistoryLimit?=6:i32 paused=7:bool progressDeadlineSeconds?=9:i32
apps.DeploymentStatus observedGeneration=1:i64 replicas=2:i32 updatedReplicas=3:i32
    readyReplicas=7:i32 availableReplicas=4:i32 unavailableReplicas=5:i32
    terminatingReplicas?=9:i32 conditions=6:[apps.DeploymentCondition]
    collisionCount?=8:i32
apps.DeploymentStrategy type=1 rollingUpdate?=2:apps.RollingUpdateDeployment
apps.ReplicaSet metadata=1:meta.ObjectMeta spec=2:apps.ReplicaSetSpec status=3:apps.ReplicaSetStatus
apps.ReplicaSetCondition type=1 status=2 lastTransitionTime=3:Time reason=4 message=5
apps.ReplicaSetSpec replicas?=1:i32 minReadySeconds=4:i32 selector?=2:meta.LabelSelector
    template=3:core.PodTemplateSpec
apps.ReplicaSetStatus replicas=1:i32 fullyLabeledReplicas=2:i32 readyReplicas=4:i32
    availableReplicas=5:i32 terminatingReplicas?=7:i32 observedGeneration=3:i64
    conditions=6:[apps.ReplicaSetCondition]
apps.RollingUpdateDaemonSet maxUnavailable?=1:IntOrString maxSurge?=2:IntOrString
apps.RollingUpdateDeployment maxUnavailable?=1:IntOrString maxSurge?=2:IntOrString
apps.RollingUpdateStatefulSetStrategy partition?=1:i32 maxUnavailable?=2:IntOrString
apps.StatefulSet metadata=1:meta.ObjectMeta spec=2:apps.StatefulSetSpec
    status=3:apps.StatefulSetStatus
apps.StatefulSetCondition type=1 status=2 lastTransitionTime=3:Time reason=4 message=5
apps.StatefulSetOrdinals start=1:i32
apps.StatefulSetPersistentVolumeClaimRetentionPolicy whenDeleted=1 whenScaled=2
apps.StatefulSetSpec replicas?=1:i32 selector?=2:meta.LabelSelector template=3:core.PodTemplateSpec
    volumeClaimTemplates=4:[core.PersistentVolumeClaim] serviceName=5
    podManagementPolicy=6 updateStrategy=7:apps.StatefulSetUpdateStrategy
    revisionHistoryLimit?=8:i32 minReadySeconds=9:i32
    persistentVolumeClaimRetentionPolicy?=10:apps.StatefulSetPersistentVolumeClaimRetentionPolicy
    ordinals?=11:apps.StatefulSetOrdinals
apps.StatefulSetStatus observedGeneration=1:i64 replicas=2:i32 readyReplicas=3:i32
    currentReplicas=4:i32 updatedReplicas=5:i32 currentRevision=6
    updateRevision=7 collisionCount?=9:i32
    conditions=10:[apps.StatefulSetCondition] availableReplicas=11:i32
apps.StatefulSetUpdateStrategy type=1 rollingUpdate?=2:apps.RollingUpdateStatefulSetStrategy
authentication.BoundObjectReference kind=1 apiVersion=2 name=3 uID=4
authentication.SelfSubjectReview metadata=1:meta.ObjectMeta
    status=2:authentication.SelfSubjectReviewStatus
authentication.SelfSubjectReviewStatus userInfo=1:authentication.UserInfo
authentication.TokenRequest metadata=1:meta.ObjectMeta spec=2:authentication.TokenRequestSpec
    status=3:authentication.TokenRequestStatus
authentication.TokenRequestSpec audiences=1:[s] expirationSeconds?=4:i64
    boundObjectRef?=3:authentication.BoundObjectReference
authentication.TokenRequestStatus token=1 expirationTimestamp=2:Time
authentication.UserInfo username=1 uid=2 groups=3:[s] extra=4:{ExtraValue}
authorization.FieldSelectorAttributes rawSelector=1 requirements=2:[meta.FieldSelectorRequirement]
authorization.LabelSelectorAttributes rawSelector=1 requirements=2:[meta.LabelSelectorRequirement]
authorization.LocalSubjectAccessReview metadata=1:meta.ObjectMeta
    spec=2:authorization.SubjectAccessReviewSpec
    status=3:authorization.SubjectAccessReviewStatus
authorization.NonResourceAttributes path=1 verb=2
authorization.NonResourceRule verbs=1:[s] nonResourceURLs=2:[s]
authorization.ResourceAttributes namespace=1 verb=2 group=3 version=4 resource=5 subresource=6
    name=7 fieldSelector?=8:authorization.FieldSelectorAttributes
    labelSelector?=9:authorization.LabelSelectorAttributes
authorization.ResourceRule verbs=1:[s] apiGroups=2:[s] resources=3:[s] resourceNames=4:[s]
authorization.SelfSubjectAccessReview metadata=1:meta.ObjectMeta
    spec=2:authorization.SelfSubjectAccessReviewSpec
    status=3:authorization.SubjectAccessReviewStatus
authorization.SelfSubjectAccessReviewSpec resourceAttributes?=1:authorization.ResourceAttributes
    nonResourceAttributes?=2:authorization.NonResourceAttributes
authorization.SelfSubjectRulesReview metadata=1:meta.ObjectMeta
    spec=2:authorization.SelfSubjectRulesReviewSpec
    status=3:authorization.SubjectRulesReviewStatus
authorization.SelfSubjectRulesReviewSpec namespace=1
authorization.SubjectAccessReview metadata=1:meta.ObjectMeta
    spec=2:authorization.SubjectAccessReviewSpec
    status=3:authorization.SubjectAccessReviewStatus
authorization.SubjectAccessReviewSpec resourceAttributes?=1:authorization.ResourceAttributes
    nonResourceAttributes?=2:authorization.NonResourceAttributes
    user=3 groups=4:[s] extra=5:{ExtraValue} uid=6
authorization.SubjectAccessReviewStatus allowed=1:bool denied=4:bool reason=2 evaluationError=3
authorization.SubjectRulesReviewStatus resourceRules=1:[authorization.ResourceRule]
    nonResourceRules=2:[authorization.NonResourceRule]
    incomplete=3:bool evaluationError=4
autoscaling.ContainerResourceMetricSource name=1 target=2:autoscaling.MetricTarget container=3
autoscaling.ContainerResourceMetricStatus name=1 current=2:autoscaling.MetricValueStatus container=3
autoscaling.CrossVersionObjectReference kind=1 name=2 apiVersion=3
autoscaling.ExternalMetricSource metric=1:autoscaling.MetricIdentifier target=2:autoscaling.MetricTarget
autoscaling.ExternalMetricStatus metric=1:autoscaling.MetricIdentifier
    current=2:autoscaling.MetricValueStatus
autoscaling.HPAScalingPolicy type=1 value=2:i32 periodSeconds=3:i32
autoscaling.HPAScalingRules stabilizationWindowSeconds?=3:i32 selectPolicy?=1
    policies=2:[autoscaling.HPAScalingPolicy]
autoscaling.HorizontalPodAutoscaler metadata=1:meta.ObjectMeta
    spec=2:autoscaling.HorizontalPodAutoscalerSpec status=3:autoscaling.HorizontalPodAutoscalerStatus
autoscaling.HorizontalPodAutoscalerBehavior scaleUp?=1:autoscaling.HPAScalingRules
    scaleDown?=2:autoscaling.HPAScalingRules
autoscaling.HorizontalPodAutoscalerCondition type=1 status=2 lastTransitionTime=3:Time reason=4
    message=5
autoscaling.HorizontalPodAutoscalerSpec scaleTargetRef=1:autoscaling.CrossVersionObjectReference
    minReplicas?=2:i32 maxReplicas=3:i32 metrics=4:[autoscaling.MetricSpec]
    behavior?=5:autoscaling.HorizontalPodAutoscalerBehavior
autoscaling.HorizontalPodAutoscalerStatus observedGeneration?=1:i64 lastScaleTime?=2:Time
    currentReplicas=3:i32 desiredReplicas=4:i32 currentMetrics=5:[autoscaling.MetricStatus]
    conditions=6:[autoscaling.HorizontalPodAutoscalerCondition]
autoscaling.MetricIdentifier name=1 selector?=2:meta.LabelSelector
autoscaling.MetricSpec type=1 object?=2:autoscaling.ObjectMetricSource pods?=3:autoscaling.PodsMetricSource
    resource?=4:autoscaling.ResourceMetricSource
    containerResource?=7:autoscaling.ContainerResourceMetricSource
    external?=5:autoscaling.ExternalMetricSource
autoscaling.MetricStatus type=1 object?=2:autoscaling.ObjectMetricStatus pods?=3:autoscaling.PodsMetricStatus
    resource?=4:autoscaling.ResourceMetricStatus
    containerResource?=7:autoscaling.ContainerResourceMetricStatus
    external?=5:autoscaling.ExternalMetricStatus
autoscaling.MetricTarget type=1 value?=2:Quantity averageValue?=3:Quantity averageUtilization?=4:i32
autoscaling.MetricValueStatus value?=1:Quantity averageValue?=2:Quantity averageUtilization?=3:i32
autoscaling.ObjectMetricSource describedObject=1:autoscaling.CrossVersionObjectReference
    target=2:autoscaling.MetricTarget metric=3:autoscaling.MetricIdentifier
autoscaling.ObjectMetricStatus metric=1:autoscaling.MetricIdentifier current=2:autoscaling.MetricValueStatus
    describedObject=3:autoscaling.CrossVersionObjectReference
autoscaling.PodsMetricSource metric=1:autoscaling.MetricIdentifier target=2:autoscaling.MetricTarget
autoscaling.PodsMetricStatus metric=1:autoscaling.MetricIdentifier current=2:autoscaling.MetricValueStatus
autoscaling.ResourceMetricSource name=1 target=2:autoscaling.MetricTarget
autoscaling.ResourceMetricStatus name=1 current=2:autoscaling.MetricValueStatus
autoscalingv1.CrossVersionObjectReference kind=1 name=2 apiVersion=3
autoscalingv1.HorizontalPodAutoscaler metadata=1:meta.ObjectMeta
    spec=2:autoscalingv1.HorizontalPodAutoscalerSpec status=3:autoscalingv1.HorizontalPodAutoscalerStatus
autoscalingv1.HorizontalPodAutoscalerSpec scaleTargetRef=1:autoscalingv1.CrossVersionObjectReference
    minReplicas?=2:i32 maxReplicas=3:i32 targetCPUUtilizationPercentage?=4:i32
autoscalingv1.HorizontalPodAutoscalerStatus observedGeneration?=1:i64 lastScaleTime?=2:Time
    currentReplicas=3:i32 desiredReplicas=4:i32 currentCPUUtilizationPercentage?=5:i32
batch.CronJob metadata=1:meta.ObjectMeta spec=2:batch.CronJobSpec status=3:batch.CronJobStatus
batch.CronJobSpec schedule=1 timeZone?=8 startingDeadlineSeconds?=2:i64 concurrencyPolicy=3
    suspend?=4:bool jobTemplate=5:batch.JobTemplateSpec
    successfulJobsHistoryLimit?=6:i32 failedJobsHistoryLimit?=7:i32
batch.CronJobStatus active=1:[core.ObjectReference] lastScheduleTime?=4:Time
    lastSuccessfulTime?=5:Time
batch.Job metadata=1:meta.ObjectMeta spec=2:batch.JobSpec status=3:batch.JobStatus
batch.JobCondition type=1 status=2 lastProbeTime=3:Time lastTransitionTime=4:Time reason=5 message=6
batch.JobSpec parallelism?=1:i32 completions?=2:i32 activeDeadlineSeconds?=3:i64
    podFailurePolicy?=11:batch.PodFailurePolicy successPolicy?=16:batch.SuccessPolicy
    backoffLimit?=7:i32 backoffLimitPerIndex?=12:i32 maxFailedIndexes?=13:i32
    selector?=4:meta.LabelSelector manualSelector?=5:bool template=6:core.PodTemplateSpec
    ttlSecondsAfterFinished?=8:i32 completionMode?=9 suspend?=10:bool
    podReplacementPolicy?=14 managedBy?=15
batch.JobStatus conditions=1:[batch.JobCondition] startTime?=2:Time completionTime?=3:Time
    active=4:i32 succeeded=5:i32 failed=6:i32 terminating?=11:i32 completedIndexes=7
    failedIndexes?=10 uncountedTerminatedPods?=8:batch.UncountedTerminatedPods
    ready?=9:i32
batch.JobTemplateSpec metadata=1:meta.ObjectMeta spec=2:batch.JobSpec
batch.PodFailurePolicy rules=1:[batch.PodFailurePolicyRule]
batch.PodFailurePolicyOnExitCodesRequirement containerName?=1 operator=2 values=3:[i32]
batch.PodFailurePolicyOnPodConditionsPattern type=1 status=2
batch.PodFailurePolicyRule action=1 onExitCodes?=2:batch.PodFailurePolicyOnExitCodesRequirement
    onPodConditions=3:[batch.PodFailurePolicyOnPodConditionsPattern]
batch.SuccessPolicy rules=1:[batch.SuccessPolicyRule]
batch.SuccessPolicyRule succeededIndexes?=1 succeededCount?=2:i32
batch.UncountedTerminatedPods succeeded=1:[s] failed=2:[s]
coordination.Lease metadata=1:meta.ObjectMeta spec=2:coordination.LeaseSpec
coordination.LeaseSpec holderIdentity?=1 leaseDurationSeconds?=2:i32 acquireTime?=3:MicroTime
    renewTime?=4:MicroTime leaseTransitions?=5:i32 strategy?=6 preferredHolder?=7
core.AWSElasticBlockStoreVolumeSource volumeID=1 fsType=2 partition=3:i32 readOnly=4:bool
core.Affinity nodeAffinity?=1:core.NodeAffinity podAffinity?=2:core.PodAffinity
    podAntiAffinity?=3:core.PodAntiAffinity
core.AppArmorProfile type=1 localhostProfile?=2
core.AttachedVolume name=1 devicePath=2
core.AzureDiskVolumeSource diskName=1 diskURI=2 cachingMode?=3 fsType?=4 readOnly?=5:bool kind?=6
core.AzureFileVolumeSource secretName=1 shareName=2 readOnly=3:bool
core.CSIVolumeSource driver=1 readOnly?=2:bool fsType?=3 volumeAttributes=4:{s}
    nodePublishSecretRef?=5:core.LocalObjectReference
core.Capabilities add=1:[s] drop=2:[s]
core.CephFSVolumeSource monitors=1:[s] path=2 user=3 secretFile=4
    secretRef?=5:core.LocalObjectReference readOnly=6:bool
core.CinderVolumeSource volumeID=1 fsType=2 readOnly=3:bool secretRef?=4:core.LocalObjectReference
core.ClientIPConfig timeoutSeconds?=1:i32
core.ClusterTrustBundleProjection name?=1 signerName?=2 labelSelector?=3:meta.LabelSelector
    optional?=5:bool path=4
core.ConfigMap metadata=1:meta.ObjectMeta immutable?=4:bool data=2:{s} binaryData=3:{b}
core.ConfigMapEnvSource ...localObjectReference=1:core.LocalObjectReference optional?=2:bool
core.ConfigMapKeySelector ...localObjectReference=1:core.LocalObjectReference key=2 optional?=3:bool
core.ConfigMapNodeConfigSource namespace=1 name=2 uid=3 resourceVersion=4 kubeletConfigKey=5
core.ConfigMapProjection ...localObjectReference=1:core.LocalObjectReference
    items=2:[core.KeyToPath] optional?=4:bool
core.ConfigMapVolumeSource ...localObjectReference=1:core.LocalObjectReference
    items=2:[core.KeyToPath] defaultMode?=3:i32 optional?=4:bool
core.Container name=1 image=2 command=3:[s] args=4:[s] workingDir=5 ports=6:[core.ContainerPort]
    envFrom=19:[core.EnvFromSource] env=7:[core.EnvVar]
    resources=8:core.ResourceRequirements resizePolicy=23:[core.ContainerResizePolicy]
    restartPolicy?=24 volumeMounts=9:[core.VolumeMount]
    volumeDevices=21:[core.VolumeDevice] livenessProbe?=10:core.Probe
    readinessProbe?=11:core.Probe startupProbe?=22:core.Probe
    lifecycle?=12:core.Lifecycle terminationMessagePath=13 terminationMessagePolicy=20
    imagePullPolicy=14 securityContext?=15:core.SecurityContext stdin=16:bool
    stdinOnce=17:bool tty=18:bool
core.ContainerImage names=1:[s] sizeBytes=2:i64
core.ContainerPort name=1 hostPort=2:i32 containerPort=3:i32 protocol=4 hostIP=5
core.ContainerResizePolicy resourceName=1 restartPolicy=2
core.ContainerState waiting?=1:core.ContainerStateWaiting running?=2:core.ContainerStateRunning
    terminated?=3:core.ContainerStateTerminated
core.ContainerStateRunning startedAt=1:Time
core.ContainerStateTerminated exitCode=1:i32 signal=2:i32 reason=3 message=4 startedAt=5:Time
    finishedAt=6:Time containerID=7
core.ContainerStateWaiting reason=1 message=2
core.ContainerStatus name=1 state=2:core.ContainerState lastState=3:core.ContainerState ready=4:bool
    restartCount=5:i32 image=6 imageID=7 containerID=8 started?=9:bool
    allocatedResources=10:{Quantity} resources?=11:core.ResourceRequirements
    volumeMounts=12:[core.VolumeMountStatus] user?=13:core.ContainerUser
    allocatedResourcesStatus=14:[core.ResourceStatus] stopSignal?=15
core.ContainerUser linux?=1:core.LinuxContainerUser
core.DaemonEndpoint Port=1:i32
core.DownwardAPIProjection items=1:[core.DownwardAPIVolumeFile]
core.DownwardAPIVolumeFile path=1 fieldRef?=2:core.ObjectFieldSelector
    resourceFieldRef?=3:core.ResourceFieldSelector mode?=4:i32
core.DownwardAPIVolumeSource items=1:[core.DownwardAPIVolumeFile] defaultMode?=2:i32
core.EmptyDirVolumeSource medium=1 sizeLimit?=2:Quantity
core.EndpointAddress ip=1 hostname=3 nodeName?=4 targetRef?=2:core.ObjectReference
core.EndpointPort name=1 port=2:i32 protocol=3 appProtocol?=4
core.EndpointSubset addresses=1:[core.EndpointAddress] notReadyAddresses=2:[core.EndpointAddress]
    ports=3:[core.EndpointPort]
core.Endpoints metadata=1:meta.ObjectMeta subsets=2:[core.EndpointSubset]
core.EnvFromSource prefix=1 configMapRef?=2:core.ConfigMapEnvSource
    secretRef?=3:core.SecretEnvSource
core.EnvVar name=1 value=2 valueFrom?=3:core.EnvVarSource
core.EnvVarSource fieldRef?=1:core.ObjectFieldSelector
    resourceFieldRef?=2:core.ResourceFieldSelector
    configMapKeyRef?=3:core.ConfigMapKeySelector
    secretKeyRef?=4:core.SecretKeySelector
core.EphemeralContainer ...ephemeralContainerCommon=1:core.EphemeralContainerCommon
    targetContainerName=2
core.EphemeralContainerCommon name=1 image=2 command=3:[s] args=4:[s] workingDir=5
    ports=6:[core.ContainerPort] envFrom=19:[core.EnvFromSource]
    env=7:[core.EnvVar] resources=8:core.ResourceRequirements
    resizePolicy=23:[core.ContainerResizePolicy] restartPolicy?=24
    volumeMounts=9:[core.VolumeMount] volumeDevices=21:[core.VolumeDevice]
    livenessProbe?=10:core.Probe readinessProbe?=11:core.Probe
    startupProbe?=22:core.Probe lifecycle?=12:core.Lifecycle
    terminationMessagePath=13 terminationMessagePolicy=20
    imagePullPolicy=14 securityContext?=15:core.SecurityContext
    stdin=16:bool stdinOnce=17:bool tty=18:bool
core.EphemeralVolumeSource volumeClaimTemplate?=1:core.PersistentVolumeClaimTemplate
core.Event metadata=1:meta.ObjectMeta involvedObject=2:core.ObjectReference reason=3 message=4
    source=5:core.EventSource firstTimestamp=6:Time lastTimestamp=7:Time count=8:i32 type=9
    eventTime=10:MicroTime series?=11:core.EventSeries action=12
    related?=13:core.ObjectReference reportingComponent=14 reportingInstance=15
core.EventSeries count=1:i32 lastObservedTime=2:MicroTime
core.EventSource component=1 host=2
core.ExecAction command=1:[s]
core.FCVolumeSource targetWWNs=1:[s] lun?=2:i32 fsType=3 readOnly=4:bool wwids=5:[s]
core.FlexVolumeSource driver=1 fsType=2 secretRef?=3:core.LocalObjectReference readOnly=4:bool
    options=5:{s}
core.FlockerVolumeSource datasetName=1 datasetUUID=2
core.GCEPersistentDiskVolumeSource pdName=1 fsType=2 partition=3:i32 readOnly=4:bool
core.GRPCAction port=1:i32 service?=2
core.GitRepoVolumeSource repository=1 revision=2 directory=3
core.GlusterfsVolumeSource endpoints=1 path=2 readOnly=3:bool
core.HTTPGetAction path=1 port=2:IntOrString host=3 scheme=4 httpHeaders=5:[core.HTTPHeader]
core.HTTPHeader name=1 value=2
core.HostAlias ip=1 hostnames=2:[s]
core.HostIP ip=1
core.HostPathVolumeSource path=1 type?=2
core.ISCSIVolumeSource targetPortal=1 iqn=2 lun=3:i32 iscsiInterface=4 fsType=5 readOnly=6:bool
    portals=7:[s] chapAuthDiscovery=8:bool chapAuthSession=11:bool
    secretRef?=10:core.LocalObjectReference initiatorName?=12
core.ImageVolumeSource reference=1 pullPolicy=2
core.KeyToPath key=1 path=2 mode?=3:i32
core.Lifecycle postStart?=1:core.LifecycleHandler preStop?=2:core.LifecycleHandler stopSignal?=3
core.LifecycleHandler exec?=1:core.ExecAction httpGet?=2:core.HTTPGetAction
    tcpSocket?=3:core.TCPSocketAction sleep?=4:core.SleepAction
core.LimitRange metadata=1:meta.ObjectMeta spec=2:core.LimitRangeSpec
core.LimitRangeItem type=1 max=2:{Quantity} min=3:{Quantity} default=4:{Quantity}
    defaultRequest=5:{Quantity} maxLimitRequestRatio=6:{Quantity}
core.LimitRangeSpec limits=1:[core.LimitRangeItem]
core.LinuxContainerUser uid=1:i64 gid=2:i64 supplementalGroups=3:[i64]
core.LoadBalancerIngress ip=1 hostname=2 ipMode?=3 ports=4:[core.PortStatus]
core.LoadBalancerStatus ingress=1:[core.LoadBalancerIngress]
core.LocalObjectReference name=1
core.ModifyVolumeStatus targetVolumeAttributesClassName=1 status=2
core.NFSVolumeSource server=1 path=2 readOnly=3:bool
core.Namespace metadata=1:meta.ObjectMeta spec=2:core.NamespaceSpec status=3:core.NamespaceStatus
core.NamespaceCondition type=1 status=2 lastTransitionTime=4:Time reason=5 message=6
core.NamespaceSpec finalizers=1:[s]
core.NamespaceStatus phase=1 conditions=2:[core.NamespaceCondition]
core.Node metadata=1:meta.ObjectMeta spec=2:core.NodeSpec status=3:core.NodeStatus
core.NodeAddress type=1 address=2
core.NodeAffinity requiredDuringSchedulingIgnoredDuringExecution?=1:core.NodeSelector
    preferredDuringSchedulingIgnoredDuringExecution=2:[core.PreferredSchedulingTerm]
core.NodeCondition type=1 status=2 lastHeartbeatTime=3:Time lastTransitionTime=4:Time reason=5
    message=6
core.NodeConfigSource configMap?=2:core.ConfigMapNodeConfigSource
core.NodeConfigStatus assigned?=1:core.NodeConfigSource active?=2:core.NodeConfigSource
    lastKnownGood?=3:core.NodeConfigSource error=4
core.NodeDaemonEndpoints kubeletEndpoint=1:core.DaemonEndpoint
core.NodeFeatures supplementalGroupsPolicy?=1:bool
core.NodeRuntimeHandler name=1 features?=2:core.NodeRuntimeHandlerFeatures
core.NodeRuntimeHandlerFeatures recursiveReadOnlyMounts?=1:bool userNamespaces?=2:bool
core.NodeSelector nodeSelectorTerms=1:[core.NodeSelectorTerm]
core.NodeSelectorRequirement key=1 operator=2 values=3:[s]
core.NodeSelectorTerm matchExpressions=1:[core.NodeSelectorRequirement]
    matchFields=2:[core.NodeSelectorRequirement]
core.NodeSpec podCIDR=1 podCIDRs=7:[s] providerID=3 unschedulable=4:bool taints=5:[core.Taint]
    configSource?=6:core.NodeConfigSource externalID=2
core.NodeStatus capacity=1:{Quantity} allocatable=2:{Quantity} phase=3
    conditions=4:[core.NodeCondition] addresses=5:[core.NodeAddress]
    daemonEndpoints=6:core.NodeDaemonEndpoints nodeInfo=7:core.NodeSystemInfo
    images=8:[core.ContainerImage] volumesInUse=9:[s]
    volumesAttached=10:[core.AttachedVolume] config?=11:core.NodeConfigStatus
    runtimeHandlers=12:[core.NodeRuntimeHandler] features?=13:core.NodeFeatures
core.NodeSwapStatus capacity?=1:i64
core.NodeSystemInfo machineID=1 systemUUID=2 bootID=3 kernelVersion=4 osImage=5
    containerRuntimeVersion=6 kubeletVersion=7 kubeProxyVersion=8 operatingSystem=9
    architecture=10 swap?=11:core.NodeSwapStatus
core.ObjectFieldSelector apiVersion=1 fieldPath=2
core.ObjectReference kind=1 namespace=2 name=3 uid=4 apiVersion=5 resourceVersion=6 fieldPath=7
core.PersistentVolumeClaim metadata=1:meta.ObjectMeta spec=2:core.PersistentVolumeClaimSpec
    status=3:core.PersistentVolumeClaimStatus
core.PersistentVolumeClaimCondition type=1 status=2 lastProbeTime=3:Time lastTransitionTime=4:Time
    reason=5 message=6
core.PersistentVolumeClaimSpec accessModes=1:[s] selector?=4:meta.LabelSelector
    resources=2:core.VolumeResourceRequirements volumeName=3
    storageClassName?=5 volumeMode?=6
    dataSource?=7:core.TypedLocalObjectReference
    dataSourceRef?=8:core.TypedObjectReference
    volumeAttributesClassName?=9
core.PersistentVolumeClaimStatus phase=1 accessModes=2:[s] capacity=3:{Quantity}
    conditions=4:[core.PersistentVolumeClaimCondition]
    allocatedResources=5:{Quantity} allocatedResourceStatuses=7:{s}
    currentVolumeAttributesClassName?=8
    modifyVolumeStatus?=9:core.ModifyVolumeStatus
core.PersistentVolumeClaimTemplate metadata=1:meta.ObjectMeta spec=2:core.PersistentVolumeClaimSpec
core.PersistentVolumeClaimVolumeSource claimName=1 readOnly=2:bool
core.PhotonPersistentDiskVolumeSource pdID=1 fsType=2
core.Pod metadata=1:meta.ObjectMeta spec=2:core.PodSpec status=3:core.PodStatus
core.PodAffinity requiredDuringSchedulingIgnoredDuringExecution=1:[core.PodAffinityTerm]
    preferredDuringSchedulingIgnoredDuringExecution=2:[core.WeightedPodAffinityTerm]
core.PodAffinityTerm labelSelector?=1:meta.LabelSelector namespaces=2:[s] topologyKey=3
    namespaceSelector?=4:meta.LabelSelector matchLabelKeys=5:[s]
    mismatchLabelKeys=6:[s]
core.PodAntiAffinity requiredDuringSchedulingIgnoredDuringExecution=1:[core.PodAffinityTerm]
    preferredDuringSchedulingIgnoredDuringExecution=2:[core.WeightedPodAffinityTerm]
core.PodCondition type=1 observedGeneration=7:i64 status=2 lastProbeTime=3:Time
    lastTransitionTime=4:Time reason=5 message=6
core.PodDNSConfig nameservers=1:[s] searches=2:[s] options=3:[core.PodDNSConfigOption]
core.PodDNSConfigOption name=1 value?=2
core.PodIP ip=1
core.PodOS name=1
core.PodReadinessGate conditionType=1
core.PodResourceClaim name=1 resourceClaimName?=3 resourceClaimTemplateName?=4
core.PodResourceClaimStatus name=1 resourceClaimName?=2
core.PodSchedulingGate name=1
core.PodSecurityContext seLinuxOptions?=1:core.SELinuxOptions
    windowsOptions?=8:core.WindowsSecurityContextOptions runAsUser?=2:i64
    runAsGroup?=6:i64 runAsNonRoot?=3:bool supplementalGroups=4:[i64]
    supplementalGroupsPolicy?=12 fsGroup?=5:i64 sysctls=7:[core.Sysctl]
    fsGroupChangePolicy?=9 seccompProfile?=10:core.SeccompProfile
    appArmorProfile?=11:core.AppArmorProfile seLinuxChangePolicy?=13
core.PodSpec volumes=1:[core.Volume] initContainers=20:[core.Container]
    containers=2:[core.Container] ephemeralContainers=34:[core.EphemeralContainer]
    restartPolicy=3 terminationGracePeriodSeconds?=4:i64 activeDeadlineSeconds?=5:i64
    dnsPolicy=6 nodeSelector=7:{s} serviceAccountName=8 serviceAccount=9
    automountServiceAccountToken?=21:bool nodeName=10 hostNetwork=11:bool hostPID=12:bool
    hostIPC=13:bool shareProcessNamespace?=27:bool
    securityContext?=14:core.PodSecurityContext
    imagePullSecrets=15:[core.LocalObjectReference] hostname=16 subdomain=17
    affinity?=18:core.Affinity schedulerName=19 tolerations=22:[core.Toleration]
    hostAliases=23:[core.HostAlias] priorityClassName=24 priority?=25:i32
    dnsConfig?=26:core.PodDNSConfig readinessGates=28:[core.PodReadinessGate]
    runtimeClassName?=29 enableServiceLinks?=30:bool preemptionPolicy?=31
    overhead=32:{Quantity} topologySpreadConstraints=33:[core.TopologySpreadConstraint]
    setHostnameAsFQDN?=35:bool os?=36:core.PodOS hostUsers?=37:bool
    schedulingGates=38:[core.PodSchedulingGate] resourceClaims=39:[core.PodResourceClaim]
    resources?=40:core.ResourceRequirements
core.PodStatus observedGeneration=17:i64 phase=1 conditions=2:[core.PodCondition] message=3 reason=4
    nominatedNodeName=11 hostIP=5 hostIPs=16:[core.HostIP] podIP=6 podIPs=12:[core.PodIP]
    startTime?=7:Time initContainerStatuses=10:[core.ContainerStatus]
    containerStatuses=8:[core.ContainerStatus] qosClass=9
    ephemeralContainerStatuses=13:[core.ContainerStatus] resize=14
    resourceClaimStatuses=15:[core.PodResourceClaimStatus]
core.PodTemplateSpec metadata=1:meta.ObjectMeta spec=2:core.PodSpec
core.PortStatus port=1:i32 protocol=2 error?=3
core.PortworxVolumeSource volumeID=1 fsType=2 readOnly=3:bool
core.PreferredSchedulingTerm weight=1:i32 preference=2:core.NodeSelectorTerm
core.Probe ...handler=1:core.ProbeHandler initialDelaySeconds=2:i32 timeoutSeconds=3:i32
    periodSeconds=4:i32 successThreshold=5:i32 failureThreshold=6:i32
    terminationGracePeriodSeconds?=7:i64
core.ProbeHandler exec?=1:core.ExecAction httpGet?=2:core.HTTPGetAction
    tcpSocket?=3:core.TCPSocketAction grpc?=4:core.GRPCAction
core.ProjectedVolumeSource sources=1:[core.VolumeProjection] defaultMode?=2:i32
core.QuobyteVolumeSource registry=1 volume=2 readOnly=3:bool user=4 group=5 tenant=6
core.RBDVolumeSource monitors=1:[s] image=2 fsType=3 pool=4 user=5 keyring=6
    secretRef?=7:core.LocalObjectReference readOnly=8:bool
core.ResourceClaim name=1 request=2
core.ResourceFieldSelector containerName=1 resource=2 divisor=3:Quantity
core.ResourceHealth resourceID=1 health=2
core.ResourceQuota metadata=1:meta.ObjectMeta spec=2:core.ResourceQuotaSpec
    status=3:core.ResourceQuotaStatus
core.ResourceQuotaSpec hard=1:{Quantity} scopes=2:[s] scopeSelector?=3:core.ScopeSelector
core.ResourceQuotaStatus hard=1:{Quantity} used=2:{Quantity}
core.ResourceRequirements limits=1:{Quantity} requests=2:{Quantity} claims=3:[core.ResourceClaim]
core.ResourceStatus name=1 resources=2:[core.ResourceHealth]
core.SELinuxOptions user=1 role=2 type=3 level=4
core.ScaleIOVolumeSource gateway=1 system=2 secretRef?=3:core.LocalObjectReference sslEnabled=4:bool
    protectionDomain=5 storagePool=6 storageMode=7 volumeName=8 fsType=9
    readOnly=10:bool
core.ScopeSelector matchExpressions=1:[core.ScopedResourceSelectorRequirement]
core.ScopedResourceSelectorRequirement scopeName=1 operator=2 values=3:[s]
core.SeccompProfile type=1 localhostProfile?=2
core.Secret metadata=1:meta.ObjectMeta immutable?=5:bool data=2:{b} stringData=4:{s} type=3
core.SecretEnvSource ...localObjectReference=1:core.LocalObjectReference optional?=2:bool
core.SecretKeySelector ...localObjectReference=1:core.LocalObjectReference key=2 optional?=3:bool
core.SecretProjection ...localObjectReference=1:core.LocalObjectReference items=2:[core.KeyToPath]
    optional?=4:bool
core.SecretVolumeSource secretName=1 items=2:[core.KeyToPath] defaultMode?=3:i32 optional?=4:bool
core.SecurityContext capabilities?=1:core.Capabilities privileged?=2:bool
    seLinuxOptions?=3:core.SELinuxOptions
    windowsOptions?=10:core.WindowsSecurityContextOptions runAsUser?=4:i64
    runAsGroup?=8:i64 runAsNonRoot?=5:bool readOnlyRootFilesystem?=6:bool
    allowPrivilegeEscalation?=7:bool procMount?=9
    seccompProfile?=11:core.SeccompProfile appArmorProfile?=12:core.AppArmorProfile
core.Service metadata=1:meta.ObjectMeta spec=2:core.ServiceSpec status=3:core.ServiceStatus
core.ServiceAccount metadata=1:meta.ObjectMeta secrets=2:[core.ObjectReference]
    imagePullSecrets=3:[core.LocalObjectReference]
    automountServiceAccountToken?=4:bool
core.ServiceAccountTokenProjection audience=1 expirationSeconds?=2:i64 path=3
core.ServicePort name=1 protocol=2 appProtocol?=6 port=3:i32 targetPort=4:IntOrString nodePort=5:i32
core.ServiceSpec ports=1:[core.ServicePort] selector=2:{s} clusterIP=3 clusterIPs=18:[s] type=4
    externalIPs=5:[s] sessionAffinity=7 loadBalancerIP=8 loadBalancerSourceRanges=9:[s]
    externalName=10 externalTrafficPolicy=11 healthCheckNodePort=12:i32
    publishNotReadyAddresses=13:bool
    sessionAffinityConfig?=14:core.SessionAffinityConfig ipFamilies=19:[s]
    ipFamilyPolicy?=17 allocateLoadBalancerNodePorts?=20:bool loadBalancerClass?=21
    internalTrafficPolicy?=22 trafficDistribution?=23
core.ServiceStatus loadBalancer=1:core.LoadBalancerStatus conditions=2:[meta.Condition]
core.SessionAffinityConfig clientIP?=1:core.ClientIPConfig
core.SleepAction seconds=1:i64
core.StorageOSVolumeSource volumeName=1 volumeNamespace=2 fsType=3 readOnly=4:bool
    secretRef?=5:core.LocalObjectReference
core.Sysctl name=1 value=2
core.TCPSocketAction port=1:IntOrString host=2
core.Taint key=1 value=2 effect=3 timeAdded?=4:Time
core.Toleration key=1 operator=2 value=3 effect=4 tolerationSeconds?=5:i64
core.TopologySpreadConstraint maxSkew=1:i32 topologyKey=2 whenUnsatisfiable=3
    labelSelector?=4:meta.LabelSelector minDomains?=5:i32
    nodeAffinityPolicy?=6 nodeTaintsPolicy?=7 matchLabelKeys=8:[s]
core.TypedLocalObjectReference apiGroup?=1 kind=2 name=3
core.TypedObjectReference apiGroup?=1 kind=2 name=3 namespace?=4
core.Volume name=1 ...volumeSource=2:core.VolumeSource
core.VolumeDevice name=1 devicePath=2
core.VolumeMount name=1 readOnly=2:bool recursiveReadOnly?=7 mountPath=3 subPath=4
    mountPropagation?=5 subPathExpr=6
core.VolumeMountStatus name=1 mountPath=2 readOnly=3:bool recursiveReadOnly?=4
core.VolumeProjection secret?=1:core.SecretProjection downwardAPI?=2:core.DownwardAPIProjection
    configMap?=3:core.ConfigMapProjection
    serviceAccountToken?=4:core.ServiceAccountTokenProjection
    clusterTrustBundle?=5:core.ClusterTrustBundleProjection
core.VolumeResourceRequirements limits=1:{Quantity} requests=2:{Quantity}
core.VolumeSource hostPath?=1:core.HostPathVolumeSource emptyDir?=2:core.EmptyDirVolumeSource
    gcePersistentDisk?=3:core.GCEPersistentDiskVolumeSource
    awsElasticBlockStore?=4:core.AWSElasticBlockStoreVolumeSource
    gitRepo?=5:core.GitRepoVolumeSource secret?=6:core.SecretVolumeSource
    nfs?=7:core.NFSVolumeSource iscsi?=8:core.ISCSIVolumeSource
    glusterfs?=9:core.GlusterfsVolumeSource
    persistentVolumeClaim?=10:core.PersistentVolumeClaimVolumeSource
    rbd?=11:core.RBDVolumeSource flexVolume?=12:core.FlexVolumeSource
    cinder?=13:core.CinderVolumeSource cephfs?=14:core.CephFSVolumeSource
    flocker?=15:core.FlockerVolumeSource downwardAPI?=16:core.DownwardAPIVolumeSource
    fc?=17:core.FCVolumeSource azureFile?=18:core.AzureFileVolumeSource
    configMap?=19:core.ConfigMapVolumeSource
    vsphereVolume?=20:core.VsphereVirtualDiskVolumeSource
    quobyte?=21:core.QuobyteVolumeSource azureDisk?=22:core.AzureDiskVolumeSource
    photonPersistentDisk?=23:core.PhotonPersistentDiskVolumeSource
    projected?=26:core.ProjectedVolumeSource
    portworxVolume?=24:core.PortworxVolumeSource scaleIO?=25:core.ScaleIOVolumeSource
    storageos?=27:core.StorageOSVolumeSource csi?=28:core.CSIVolumeSource
    ephemeral?=29:core.EphemeralVolumeSource image?=30:core.ImageVolumeSource
core.VsphereVirtualDiskVolumeSource volumePath=1 fsType=2 storagePolicyName=3 storagePolicyID=4
core.WeightedPodAffinityTerm weight=1:i32 podAffinityTerm=2:core.PodAffinityTerm
core.WindowsSecurityContextOptions gmsaCredentialSpecName?=1 gmsaCredentialSpec?=2 runAsUserName?=3
    hostProcess?=4:bool
discovery.Endpoint addresses=1:[s] conditions=2:discovery.EndpointConditions hostname?=3
    targetRef?=4:core.ObjectReference nodeName?=6 zone?=7 hints?=8:discovery.EndpointHints
discovery.EndpointConditions ready?=1:bool serving?=2:bool terminating?=3:bool
discovery.EndpointHints forZones=1:[discovery.ForZone] forNodes=2:[discovery.ForNode]
discovery.EndpointPort name?=1 protocol?=2 port?=3:i32 appProtocol?=4
discovery.EndpointSlice metadata=1:meta.ObjectMeta addressType=4 endpoints=2:[discovery.Endpoint]
    ports=3:[discovery.EndpointPort]
discovery.ForNode name=1
discovery.ForZone name=1
meta.Condition type=1 status=2 observedGeneration=3:i64 lastTransitionTime=4:Time reason=5 message=6
meta.DeleteOptions gracePeriodSeconds?=1:i64 preconditions?=2:meta.Preconditions
    orphanDependents?=3:bool propagationPolicy?=4 dryRun=5:[s]
    ignoreStoreReadErrorWithClusterBreakingPotential?=6:bool
meta.FieldSelectorRequirement key=1 operator=2 values=3:[s]
meta.LabelSelector matchLabels=1:{s} matchExpressions=2:[meta.LabelSelectorRequirement]
meta.LabelSelectorRequirement key=1 operator=2 values=3:[s]
meta.ManagedFieldsEntry manager=1 operation=2 apiVersion=3 time?=4:Time fieldsType=6
    fieldsV1?=7:FieldsV1 subresource=8
meta.ObjectMeta name=1 generateName=2 namespace=3 selfLink=4 uid=5 resourceVersion=6
    generation=7:i64 creationTimestamp=8:Time deletionTimestamp?=9:Time
    deletionGracePeriodSeconds?=10:i64 labels=11:{s} annotations=12:{s}
    ownerReferences=13:[meta.OwnerReference] finalizers=14:[s]
    managedFields=17:[meta.ManagedFieldsEntry]
meta.OwnerReference apiVersion=5 kind=1 name=3 uid=4 controller?=6:bool blockOwnerDeletion?=7:bool
meta.Preconditions uid?=1 resourceVersion?=2
networking.HTTPIngressPath path=1 pathType?=3 backend=2:networking.IngressBackend
networking.HTTPIngressRuleValue paths=1:[networking.HTTPIngressPath]
networking.Ingress metadata=1:meta.ObjectMeta spec=2:networking.IngressSpec
    status=3:networking.IngressStatus
networking.IngressBackend service?=4:networking.IngressServiceBackend
    resource?=3:core.TypedLocalObjectReference
networking.IngressLoadBalancerIngress ip=1 hostname=2 ports=4:[networking.IngressPortStatus]
networking.IngressLoadBalancerStatus ingress=1:[networking.IngressLoadBalancerIngress]
networking.IngressPortStatus port=1:i32 protocol=2 error?=3
networking.IngressRule host=1 ...ingressRuleValue=2:networking.IngressRuleValue
networking.IngressRuleValue http?=1:networking.HTTPIngressRuleValue
networking.IngressServiceBackend name=1 port=2:networking.ServiceBackendPort
networking.IngressSpec ingressClassName?=4 defaultBackend?=1:networking.IngressBackend
    tls=2:[networking.IngressTLS] rules=3:[networking.IngressRule]
networking.IngressStatus loadBalancer=1:networking.IngressLoadBalancerStatus
networking.IngressTLS hosts=1:[s] secretName=2
networking.ServiceBackendPort name=1 number=2:i32
policy.Eviction metadata=1:meta.ObjectMeta deleteOptions?=2:meta.DeleteOptions
policy.PodDisruptionBudget metadata=1:meta.ObjectMeta spec=2:policy.PodDisruptionBudgetSpec
    status=3:policy.PodDisruptionBudgetStatus
policy.PodDisruptionBudgetSpec minAvailable?=1:IntOrString selector?=2:meta.LabelSelector
    maxUnavailable?=3:IntOrString unhealthyPodEvictionPolicy?=4
policy.PodDisruptionBudgetStatus observedGeneration=1:i64 disruptedPods=2:{Time}
    disruptionsAllowed=3:i32 currentHealthy=4:i32 desiredHealthy=5:i32
    expectedPods=6:i32 conditions=7:[meta.Condition]
rbac.AggregationRule clusterRoleSelectors=1:[meta.LabelSelector]
rbac.ClusterRole metadata=1:meta.ObjectMeta rules=2:[rbac.PolicyRule]
    aggregationRule?=3:rbac.AggregationRule
rbac.ClusterRoleBinding metadata=1:meta.ObjectMeta subjects=2:[rbac.Subject] roleRef=3:rbac.RoleRef
rbac.PolicyRule verbs=1:[s] apiGroups=2:[s] resources=3:[s] resourceNames=4:[s]
    nonResourceURLs=5:[s]
rbac.Role metadata=1:meta.ObjectMeta rules=2:[rbac.PolicyRule]
rbac.RoleBinding metadata=1:meta.ObjectMeta subjects=2:[rbac.Subject] roleRef=3:rbac.RoleRef
rbac.RoleRef apiGroup=1 kind=2 name=3
rbac.Subject kind=1 apiGroup=2 name=3 namespace=4
scheduling.PriorityClass metadata=1:meta.ObjectMeta value=2:i32 globalDefault=3:bool description=4
    preemptionPolicy?=5
`;

/**
 * The objects that are read from protobuf: kind → the message of each apiVersion it is
 * sent as (`*`: any). A kind served at several versions (versions/) names one message each.
 */
export const kubernetesKinds: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Namespace: { v1: 'core.Namespace' },
  Node: { v1: 'core.Node' },
  Pod: { v1: 'core.Pod' },
  Event: { v1: 'core.Event' },
  ServiceAccount: { v1: 'core.ServiceAccount' },
  ConfigMap: { v1: 'core.ConfigMap' },
  Secret: { v1: 'core.Secret' },
  LimitRange: { v1: 'core.LimitRange' },
  ResourceQuota: { v1: 'core.ResourceQuota' },
  Service: { v1: 'core.Service' },
  Endpoints: { v1: 'core.Endpoints' },
  Deployment: { 'apps/v1': 'apps.Deployment' },
  ReplicaSet: { 'apps/v1': 'apps.ReplicaSet' },
  DaemonSet: { 'apps/v1': 'apps.DaemonSet' },
  StatefulSet: { 'apps/v1': 'apps.StatefulSet' },
  ControllerRevision: { 'apps/v1': 'apps.ControllerRevision' },
  HorizontalPodAutoscaler: {
    'autoscaling/v2': 'autoscaling.HorizontalPodAutoscaler',
    'autoscaling/v1': 'autoscalingv1.HorizontalPodAutoscaler',
  },
  Job: { 'batch/v1': 'batch.Job' },
  CronJob: { 'batch/v1': 'batch.CronJob' },
  PodDisruptionBudget: { 'policy/v1': 'policy.PodDisruptionBudget' },
  Eviction: { 'policy/v1': 'policy.Eviction' },
  Role: { 'rbac.authorization.k8s.io/v1': 'rbac.Role' },
  ClusterRole: { 'rbac.authorization.k8s.io/v1': 'rbac.ClusterRole' },
  RoleBinding: { 'rbac.authorization.k8s.io/v1': 'rbac.RoleBinding' },
  ClusterRoleBinding: { 'rbac.authorization.k8s.io/v1': 'rbac.ClusterRoleBinding' },
  Lease: { 'coordination.k8s.io/v1': 'coordination.Lease' },
  PriorityClass: { 'scheduling.k8s.io/v1': 'scheduling.PriorityClass' },
  EndpointSlice: { 'discovery.k8s.io/v1': 'discovery.EndpointSlice' },
  Ingress: { 'networking.k8s.io/v1': 'networking.Ingress' },
  SelfSubjectAccessReview: { 'authorization.k8s.io/v1': 'authorization.SelfSubjectAccessReview' },
  SubjectAccessReview: { 'authorization.k8s.io/v1': 'authorization.SubjectAccessReview' },
  LocalSubjectAccessReview: { 'authorization.k8s.io/v1': 'authorization.LocalSubjectAccessReview' },
  SelfSubjectRulesReview: { 'authorization.k8s.io/v1': 'authorization.SelfSubjectRulesReview' },
  SelfSubjectReview: { 'authentication.k8s.io/v1': 'authentication.SelfSubjectReview' },
  TokenRequest: { 'authentication.k8s.io/v1': 'authentication.TokenRequest' },
  // Every group version serves DeleteOptions; clients name meta.k8s.io/v1 or the resource's own.
  DeleteOptions: { '*': 'meta.DeleteOptions' },
};

/** The message of `kind` sent as `apiVersion`; without an apiVersion, the kind's first. */
export function kubernetesMessageOf(kind: string, apiVersion?: string): string | undefined {
  const messages = kubernetesKinds[kind];
  if (!messages) return undefined;
  if (apiVersion === undefined) return Object.values(messages)[0];
  return messages[apiVersion] ?? messages['*'];
}

/** The Protobuf package of each short package name, for messages that name a message. */
export const kubernetesPackages: Readonly<Record<string, string>> = {
  meta: 'k8s.io.apimachinery.pkg.apis.meta.v1',
  core: 'k8s.io.api.core.v1',
  apps: 'k8s.io.api.apps.v1',
  autoscaling: 'k8s.io.api.autoscaling.v2',
  autoscalingv1: 'k8s.io.api.autoscaling.v1',
  batch: 'k8s.io.api.batch.v1',
  policy: 'k8s.io.api.policy.v1',
  rbac: 'k8s.io.api.rbac.v1',
  coordination: 'k8s.io.api.coordination.v1',
  scheduling: 'k8s.io.api.scheduling.v1',
  networking: 'k8s.io.api.networking.v1',
  discovery: 'k8s.io.api.discovery.v1',
  authorization: 'k8s.io.api.authorization.v1',
  authentication: 'k8s.io.api.authentication.v1',
};
