#!/usr/bin/python3
"""A small CRI client for the runtime e2e test: the calls kubelet makes to run a pod and exec into it.

Usage: cri_client.py --socket PATH --stubs DIR COMMAND ARGS...
  run-pod NAME NAMESPACE UID CGROUP_PARENT LABEL=VALUE...   prints the pod sandbox id
  create POD_ID POD_NAME NAMESPACE UID CGROUP_PARENT CONTAINER IMAGE CMD...   prints the container id
  start CONTAINER_ID
  exec CONTAINER_ID TIMEOUT_S CMD...   ExecSync (what `kubectl exec` ends in); prints the exit code
  state CONTAINER_ID                   prints CONTAINER_CREATED|RUNNING|EXITED|UNKNOWN
  remove-pod POD_ID                    StopPodSandbox + RemovePodSandbox
DIR holds api_pb2.py and api_pb2_grpc.py generated from api.proto (python3 -m grpc_tools.protoc).
"""
import argparse
import sys


def pod_config(api, name, namespace, uid, cgroup_parent, labels):
    return api.PodSandboxConfig(
        metadata=api.PodSandboxMetadata(name=name, namespace=namespace, uid=uid, attempt=0),
        labels=labels,
        linux=api.LinuxPodSandboxConfig(
            cgroup_parent=cgroup_parent,
            security_context=api.LinuxSandboxSecurityContext(
                # Host network: no CNI plugin is needed (the test never sends traffic).
                namespace_options=api.NamespaceOption(network=api.NODE, pid=api.CONTAINER, ipc=api.POD))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--stubs", required=True)
    parser.add_argument("command")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    sys.path.insert(0, options.stubs)
    import grpc
    import api_pb2 as api
    import api_pb2_grpc as api_grpc

    channel = grpc.insecure_channel("unix://" + options.socket)
    runtime = api_grpc.RuntimeServiceStub(channel)
    a = options.args
    if options.command == "run-pod":
        labels = dict(item.split("=", 1) for item in a[4:])
        reply = runtime.RunPodSandbox(api.RunPodSandboxRequest(config=pod_config(api, a[0], a[1], a[2], a[3], labels)),
                                      timeout=60)
        print(reply.pod_sandbox_id)
    elif options.command == "create":
        pod_id, pod_name, namespace, uid, cgroup_parent, name, image = a[:7]
        config = api.ContainerConfig(
            metadata=api.ContainerMetadata(name=name, attempt=0),
            image=api.ImageSpec(image=image),
            command=a[7:],
            labels={"io.kubernetes.container.name": name},
            linux=api.LinuxContainerConfig())
        reply = runtime.CreateContainer(api.CreateContainerRequest(
            pod_sandbox_id=pod_id, config=config,
            sandbox_config=pod_config(api, pod_name, namespace, uid, cgroup_parent, {})), timeout=60)
        print(reply.container_id)
    elif options.command == "start":
        runtime.StartContainer(api.StartContainerRequest(container_id=a[0]), timeout=60)
    elif options.command == "exec":
        try:
            reply = runtime.ExecSync(api.ExecSyncRequest(container_id=a[0], cmd=a[2:], timeout=int(a[1])),
                                     timeout=int(a[1]) + 10)
            print(reply.exit_code)
        except grpc.RpcError as error:  # the container was killed under the exec
            print("rpc error: %s" % error.code())
    elif options.command == "state":
        reply = runtime.ContainerStatus(api.ContainerStatusRequest(container_id=a[0]), timeout=30)
        print(api.ContainerState.Name(reply.status.state))
    elif options.command == "remove-pod":
        runtime.StopPodSandbox(api.StopPodSandboxRequest(pod_sandbox_id=a[0]), timeout=60)
        runtime.RemovePodSandbox(api.RemovePodSandboxRequest(pod_sandbox_id=a[0]), timeout=60)
    else:
        parser.error("unknown command " + options.command)


if __name__ == "__main__":
    main()
