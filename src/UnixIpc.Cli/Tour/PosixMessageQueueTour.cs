using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>The tour over a POSIX message queue: priorities decide the order.</summary>
internal sealed class PosixMessageQueueTour : TourScenario
{
    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["mq-producer"] = (a, o) => PosixQueueProducer(a[0], o),
        ["mq-consumer"] = (a, o) => PosixQueueConsumer(a[0], o),
    };

    /// <summary>Messages the queue producer sends, deliberately out of priority order.</summary>
    public static readonly (string Text, int Priority)[] QueueMessages =
    [
        ("routine report", 1), ("fire alarm", 9), ("lunch order", 1), ("server down", 7), ("weekly newsletter", 0),
    ];

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string name = $"/unixipc_tour_{Environment.ProcessId}_mq";
        tour.Heading("POSIX message queue: a priority queue over " + name);
        using var cleanup = new TourCleanup(() => PosixMessageQueue.TryUnlink(name));
        await tour.StepAsync("producer", cancellationToken, "mq-producer", name).ConfigureAwait(false);
        await tour.StepAsync("consumer", cancellationToken, "mq-consumer", name).ConfigureAwait(false);
        tour.Check(!PosixMessageQueue.TryOpenExisting(name, out PosixMessageQueue? left), $"{name} no longer exists");
        left?.Dispose();
    }

    private static void PosixQueueProducer(string name, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using var queue = PosixMessageQueue.CreateNew(name, new PosixMessageQueueOptions { MaxMessages = 8, MaxMessageSize = 64 });
        Say(output, clock, $"mq_open(\"{queue.Name}\", O_CREAT|O_EXCL) with room for {queue.MaxMessages} messages of {queue.MaxMessageSize} bytes");
        foreach ((string text, int priority) in QueueMessages)
        {
            queue.Send(System.Text.Encoding.UTF8.GetBytes(text), priority);
        }

        Say(output, clock, "sent, in this order: " + string.Join(", ", QueueMessages.Select(m => $"\"{m.Text}\" (priority {m.Priority})")));
    }

    private static void PosixQueueConsumer(string name, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using (var queue = PosixMessageQueue.OpenExisting(name, MessageQueueAccess.Receive))
        {
            var buffer = new byte[queue.MaxMessageSize];
            var received = new List<(string Text, int Priority)>();
            while (queue.TryReceive(buffer, out PosixMessageInfo info))
            {
                received.Add((System.Text.Encoding.UTF8.GetString(buffer, 0, info.Length), info.Priority));
            }

            Say(output, clock, "received, highest priority first: " + string.Join(", ", received.Select(m => $"\"{m.Text}\" ({m.Priority})")));

            // Highest priority first, send order within a priority: a stable sort of what was sent.
            if (!received.SequenceEqual(QueueMessages.OrderByDescending(m => m.Priority)))
            {
                throw new InvalidOperationException("the messages did not arrive in priority order");
            }
        }

        PosixMessageQueue.Unlink(name);
        Say(output, clock, $"mq_unlink(\"{name}\"): the queue is gone");
    }
}
