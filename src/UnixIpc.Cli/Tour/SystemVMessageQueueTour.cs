using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>The tour over a System V message queue: messages selected by type.</summary>
internal sealed class SystemVMessageQueueTour : TourScenario
{
    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["msg-producer"] = (a, o) => SystemVQueueProducer(a[0], int.Parse(a[1], CultureInfo.InvariantCulture), o),
        ["msg-consumer"] = (a, o) => SystemVQueueConsumer(a[0], int.Parse(a[1], CultureInfo.InvariantCulture), o),
    };

    /// <summary>Messages the System V producer sends: types 4, 3, 2, 1 in that order.</summary>
    public static readonly (long Type, string Text)[] TypedMessages = [(4, "four"), (3, "three"), (2, "two"), (1, "one")];

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string path = Path.Combine(Path.GetTempPath(), $"unixipc-tour-{Environment.ProcessId}-msg.key");
        const int project = 'Q';
        tour.Heading($"System V message queue: typed messages selected by type over ftok(\"{path}\", '{(char)project}')");
        File.WriteAllBytes(path, []);
        IpcKey key = IpcKey.FromPath(path, project);
        try
        {
            await tour.StepAsync("producer", cancellationToken, "msg-producer", path, project.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            await tour.StepAsync("consumer", cancellationToken, "msg-consumer", path, project.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            tour.Check(!SystemVMessageQueue.TryOpenExisting(key, out _), $"no queue has key {key} any more");
        }
        finally
        {
            if (SystemVMessageQueue.TryOpenExisting(key, out SystemVMessageQueue? left))
            {
                left.Remove();
            }

            File.Delete(path);
        }
    }

    private static void SystemVQueueProducer(string path, int project, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        IpcKey key = IpcKey.FromPath(path, project);
        SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(key);
        Say(output, clock, $"ftok(\"{path}\", {project}) = {key}; msgget(IPC_CREAT|IPC_EXCL) = id {queue.Id}");
        foreach ((long type, string text) in TypedMessages)
        {
            queue.Send(type, System.Text.Encoding.UTF8.GetBytes(text));
        }

        Say(output, clock, "sent types " + string.Join(", ", TypedMessages.Select(m => $"{m.Type} \"{m.Text}\"")));
    }

    private static void SystemVQueueConsumer(string path, int project, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        SystemVMessageQueue queue = SystemVMessageQueue.OpenExisting(IpcKey.FromPath(path, project));
        var buffer = new byte[64];
        (MessageSelector Selector, long Expected)[] plan = [(MessageSelector.Type(3), 3), (MessageSelector.LowestUpTo(2), 1), (MessageSelector.Any, 4), (MessageSelector.Any, 2)];
        foreach ((MessageSelector selector, long expected) in plan)
        {
            SystemVMessageInfo info = queue.Receive(buffer, selector);
            Say(output, clock, $"msgrcv({selector}) took type {info.Type} \"{System.Text.Encoding.UTF8.GetString(buffer, 0, info.Length)}\"");
            if (info.Type != expected)
            {
                throw new InvalidOperationException($"msgrcv({selector}) should have taken type {expected}");
            }
        }

        queue.Remove();
        Say(output, clock, $"msgctl({queue.Id}, IPC_RMID): the queue is gone");
    }
}
