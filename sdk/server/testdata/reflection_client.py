"""An independent, strict gRPC client for the reflection test.

It knows nothing of Wheelhouse's .proto files: it compiles only the standard
reflection protocol (from Debian's grpc-proto) with protoc, asks the server for
everything else through reflection, builds a descriptor pool from the answers and
calls the server with messages made from JSON. It prints one JSON report.
"""
import json
import subprocess
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

target = sys.argv[1]

fds = descriptor_pb2.FileDescriptorSet.FromString(
    subprocess.check_output([
        "protoc", "-I/usr/share/grpc-proto", "--include_imports", "--descriptor_set_out=/dev/stdout",
        "grpc/reflection/v1/reflection.proto",
    ])
)
reflection_pool = descriptor_pool.DescriptorPool()
for f in fds.file:
    reflection_pool.Add(f)
factory = message_factory.MessageFactory(reflection_pool)
Request = factory.GetPrototype(reflection_pool.FindMessageTypeByName("grpc.reflection.v1.ServerReflectionRequest"))
Response = factory.GetPrototype(reflection_pool.FindMessageTypeByName("grpc.reflection.v1.ServerReflectionResponse"))

channel = grpc.insecure_channel(target)
info = channel.stream_stream(
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    request_serializer=lambda m: m.SerializeToString(),
    response_deserializer=Response.FromString,
)


def ask(**kwargs):
    (resp,) = list(info(iter([Request(**kwargs)])))
    if resp.HasField("error_response"):
        raise SystemExit("reflection error: %s" % resp.error_response.error_message)
    return resp


report = {}
report["services"] = sorted(s.name for s in ask(list_services="").list_services_response.service)

# Build a pool from what the server says, strictly: every dependency must resolve.
pool = descriptor_pool.DescriptorPool()
added = set()


def load(symbol):
    resp = ask(file_containing_symbol=symbol)
    for raw in resp.file_descriptor_response.file_descriptor_proto:
        fd = descriptor_pb2.FileDescriptorProto.FromString(raw)
        if fd.name not in added:
            pool.Add(fd)
            added.add(fd.name)


load("wheelhouse.core.v1.PodService")
meta = pool.FindMessageTypeByName("wheelhouse.meta.v1.ObjectMeta")
labels = meta.fields_by_name["labels"]
created = meta.fields_by_name["creation_timestamp"]
report["objectMeta"] = {
    "labelsIsMap": labels.message_type is not None and labels.message_type.GetOptions().map_entry,
    "labelsJsonName": labels.json_name,
    "creationTimestampType": created.message_type.full_name,
}

pod_factory = message_factory.MessageFactory(pool)
service = pool.FindServiceByName("wheelhouse.core.v1.PodService")


def stub(method_name, streaming):
    method = service.methods_by_name[method_name]
    Out = pod_factory.GetPrototype(method.output_type)
    path = "/%s/%s" % (service.full_name, method.name)
    make = channel.unary_stream if streaming else channel.unary_unary
    return pod_factory.GetPrototype(method.input_type), make(
        path, request_serializer=lambda m: m.SerializeToString(), response_deserializer=Out.FromString
    )


GetReq, get_pod = stub("GetPod", False)
req = json_format.Parse(json.dumps({"namespace": "default", "name": "web-0"}), GetReq())
report["get"] = json_format.MessageToDict(get_pod(req))

WatchReq, watch_pods = stub("WatchPods", True)
req = json_format.Parse(json.dumps({"namespace": "default", "options": {"labelSelector": "app=web"}}), WatchReq())
report["watch"] = [e for r in watch_pods(req) for e in json_format.MessageToDict(r).get("events", [])]

print(json.dumps(report))
