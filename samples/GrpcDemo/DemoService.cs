using Grpc.Core;
using UnixIpc.Grpc;

namespace UnixIpc.Samples.Grpc;

/// <summary>The sample service: the same code whether the call came over a Unix socket or TCP.</summary>
internal sealed class DemoService : Demo.DemoBase
{
    public override Task<EchoReply> Echo(EchoRequest request, ServerCallContext context)
    {
        PeerCredentials? caller = context.GetUnixPeer(); // null over TCP
        return Task.FromResult(new EchoReply
        {
            Text = request.Text,
            CallerKnown = caller is not null,
            CallerPid = caller?.ProcessId ?? 0,
            CallerUid = caller?.UserId ?? -1,
            CallerGid = caller?.GroupId ?? -1,
            ServerPid = Environment.ProcessId,
        });
    }

    public override async Task Count(CountRequest request, IServerStreamWriter<CountReply> responseStream, ServerCallContext context)
    {
        for (int i = 1; i <= request.Count; i++)
        {
            await responseStream.WriteAsync(new CountReply { Number = i }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<WaitReply> Wait(WaitRequest request, ServerCallContext context)
    {
        await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        return new WaitReply();
    }
}
