using System.IO.Pipes;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc.Benchmarking;

/// <summary>
/// One side's end of a mechanism, as the loops of <see cref="TwoProcessLoops"/> use it: send one message (or post,
/// or signal), receive what is there, receive exactly a message's bytes (at least one wait, even for none).
/// </summary>
internal abstract class BenchEnd : IDisposable
{
    public abstract void Send(ReadOnlySpan<byte> bytes);

    /// <summary>What is there, up to the buffer (a message-based end: one message; the buffer must hold the largest).</summary>
    public abstract int Receive(Span<byte> buffer);

    public virtual void ReceiveExactly(Span<byte> bytes)
    {
        do
        {
            int received = Receive(bytes);
            bytes = bytes[Math.Min(received, bytes.Length)..];
        }
        while (!bytes.IsEmpty);
    }

    public void Dispose() => Close();

    /// <summary>Closes what the end opened.</summary>
    protected virtual void Close()
    {
    }
}

/// <summary>Bytes through two streams (PipeEndStream, .NET's anonymous and named pipe streams).</summary>
internal sealed class StreamEnd(Stream input, Stream output) : BenchEnd
{
    public override void Send(ReadOnlySpan<byte> bytes) => output.Write(bytes);

    public override int Receive(Span<byte> buffer)
    {
        int read = input.Read(buffer);
        return read > 0 ? read : throw new EndOfStreamException("the other side closed its end");
    }

    public override void ReceiveExactly(Span<byte> bytes) => input.ReadExactly(bytes);

    protected override void Close()
    {
        output.Dispose();
        if (!ReferenceEquals(input, output))
        {
            input.Dispose();
        }
    }
}

/// <summary>Bytes through a connected socket (a stream socket may take part of a send; a seqpacket one all or nothing).</summary>
internal sealed class SocketEnd(Socket socket) : BenchEnd
{
    public override void Send(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[socket.Send(bytes)..];
        }
    }

    public override int Receive(Span<byte> buffer)
    {
        int received = socket.Receive(buffer);
        return received > 0 ? received : throw new EndOfStreamException("the other side closed its socket");
    }

    protected override void Close() => socket.Dispose();
}

/// <summary>POSIX message queues: one there, one back. A receive needs room for the queue's largest message.</summary>
internal sealed class PosixQueueEnd(PosixMessageQueue output, PosixMessageQueue input) : BenchEnd
{
    private readonly byte[] scratch = new byte[input.MaxMessageSize];

    public override void Send(ReadOnlySpan<byte> bytes) => output.Send(bytes);

    public override int Receive(Span<byte> buffer) => buffer.Length >= scratch.Length ? input.Receive(buffer).Length : ReceiveCopy(buffer);

    private int ReceiveCopy(Span<byte> buffer)
    {
        int length = input.Receive(scratch).Length;
        scratch.AsSpan(0, Math.Min(length, buffer.Length)).CopyTo(buffer);
        return length;
    }

    protected override void Close()
    {
        output.Dispose();
        input.Dispose();
    }
}

/// <summary>One System V message queue: type 1 there, type 2 back.</summary>
internal sealed class SystemVQueueEnd(SystemVMessageQueue queue, bool measuring) : BenchEnd
{
    private readonly byte[] scratch = new byte[65536];

    public override void Send(ReadOnlySpan<byte> bytes) => queue.Send(measuring ? 1 : 2, bytes);

    public override int Receive(Span<byte> buffer)
    {
        MessageSelector selector = MessageSelector.Type(measuring ? 2 : 1);
        if (buffer.Length >= scratch.Length)
        {
            return queue.Receive(buffer, selector).Length;
        }

        int length = queue.Receive(scratch, selector).Length;
        scratch.AsSpan(0, Math.Min(length, buffer.Length)).CopyTo(buffer);
        return length;
    }
}

/// <summary>Two named POSIX semaphores: a post there, a wait for the one back. No bytes.</summary>
internal sealed class PosixSemaphoreEnd(PosixSemaphore output, PosixSemaphore input) : BenchEnd
{
    public override void Send(ReadOnlySpan<byte> bytes) => output.Release();

    public override int Receive(Span<byte> buffer)
    {
        input.Wait();
        return buffer.Length;
    }

    protected override void Close()
    {
        output.Dispose();
        input.Dispose();
    }
}

/// <summary>A System V set of two: +1 on semaphore 0 there, −1 on semaphore 1 back (the peer the other way). No bytes.</summary>
internal sealed class SystemVSemaphoreEnd(SystemVSemaphoreSet set, bool measuring) : BenchEnd
{
    public override void Send(ReadOnlySpan<byte> bytes) => set.Apply(new SemaphoreOperation(measuring ? 0 : 1, 1));

    public override int Receive(Span<byte> buffer)
    {
        set.Apply(new SemaphoreOperation(measuring ? 1 : 0, -1));
        return buffer.Length;
    }
}

/// <summary>
/// sigqueue: SIGRTMIN+1 there, SIGRTMIN+2 back, taken by a <see cref="SignalListener"/> (on its signalfd path: the
/// harness starts both sides with the two blocked). The peer answers whoever sent.
/// </summary>
internal sealed class SignalEnd : BenchEnd
{
    public static readonly UnixSignal There = UnixSignal.RealTime(1), Back = UnixSignal.RealTime(2);
    private readonly SignalListener listener;
    private readonly bool measuring;
    private int other;

    public SignalEnd(bool measuring, int other)
    {
        this.measuring = measuring;
        this.other = other;
        listener = SignalListener.Create(measuring ? Back : There);
        if (!listener.KnowsSender)
        {
            throw new InvalidOperationException("the signals were not blocked: the listener is on its handler path");
        }
    }

    // A signal carries an int: the first four bytes, if there are four (a wake-up's timestamp).
    public override void Send(ReadOnlySpan<byte> bytes) => (measuring ? There : Back).Queue(other, bytes.Length >= 4 ? System.Runtime.InteropServices.MemoryMarshal.Read<int>(bytes) : 0);

    public override int Receive(Span<byte> buffer)
    {
        SignalInfo info = listener.Receive(); // the only listener of its signal: the waiting thread takes it itself (sigtimedwait), as C does
        if (!measuring)
        {
            other = info.SenderProcessId ?? other;
        }

        if (buffer.Length >= 4)
        {
            System.Runtime.InteropServices.MemoryMarshal.Write(buffer, info.Value ?? 0);
        }

        return buffer.Length;
    }

    protected override void Close() => listener.Dispose();
}

/// <summary>Opens a side's end of each mechanism from the arguments and descriptors the harness gave it.</summary>
internal static class BenchEnds
{
    /// <summary>
    /// The end for <paramref name="implementation"/> ("unixipc" or "dotnet") of <paramref name="mechanism"/>;
    /// <paramref name="args"/> as documented in native/bench_side.c (the harness passes both languages the same).
    /// </summary>
    public static BenchEnd Open(string implementation, string mechanism, bool measuring, string[] args)
    {
        bool dotnet = implementation == "dotnet";
        return mechanism switch
        {
            "pipe" when dotnet => new StreamEnd(
                new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(3, ownsHandle: true)),
                new AnonymousPipeClientStream(PipeDirection.Out, new SafePipeHandle(4, ownsHandle: true))),
            "pipe" => new StreamEnd(PipeEndStream.FromHandle(new SafeFileHandle(3, ownsHandle: true)), PipeEndStream.FromHandle(new SafeFileHandle(4, ownsHandle: true))),
            "fifo" or "shmstream" when dotnet => NamedPipe(measuring, args[0]),
            "shmstream" => SharedMemoryStream(measuring, args[0]),
            "fifo" when measuring => OpenFifo(() => Fifo.OpenWrite(args[0]), () => Fifo.OpenRead(args[1]), swap: true),
            "fifo" => OpenFifo(() => Fifo.OpenRead(args[0]), () => Fifo.OpenWrite(args[1]), swap: false),
            "stream" or "seqpacket" when dotnet => DotNetSocket(measuring, mechanism == "seqpacket" ? SocketType.Seqpacket : SocketType.Stream, args[0]),
            "stream" or "seqpacket" or BenchMechanism.Tcp => new SocketEnd(new Socket(new SafeSocketHandle(3, ownsHandle: true))),
            "mq" => new PosixQueueEnd(
                PosixMessageQueue.OpenExisting(args[measuring ? 0 : 1], MessageQueueAccess.Send),
                PosixMessageQueue.OpenExisting(args[measuring ? 1 : 0], MessageQueueAccess.Receive)),
            "msg" => new SystemVQueueEnd(SystemVMessageQueue.FromId(Number(args[0])), measuring),
            "psem" => new PosixSemaphoreEnd(PosixSemaphore.OpenExisting(args[measuring ? 0 : 1]), PosixSemaphore.OpenExisting(args[measuring ? 1 : 0])),
            "sem" => new SystemVSemaphoreEnd(SystemVSemaphoreSet.FromId(Number(args[0])), measuring),
            "signal" => new SignalEnd(measuring, measuring ? Number(args[0]) : 0),
            "lock" => new FileLockEnd(args[0], measuring),
            "shmsem" => new SemaphoreBufferEnd(args, measuring),
            "channel" => new ChannelEnd(args[0], args[1], ChannelWaitStrategy.SpinThenSleep, measuring),
            "channel-spin" => new ChannelEnd(args[0], args[1], ChannelWaitStrategy.BusySpin, measuring),
            _ => throw new ArgumentException($"no {implementation} side for '{mechanism}'"),
        };
    }

    private static int Number(string text) => int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    // Both sides open "there" first, or the two opens would wait for each other.
    private static StreamEnd OpenFifo(Func<Stream> first, Func<Stream> second, bool swap)
    {
        Stream a = first(), b = second();
        return swap ? new StreamEnd(b, a) : new StreamEnd(a, b);
    }

    // .NET's named pipe (a Unix socket under /tmp on Linux): the measuring side serves, the peer connects.
    private static StreamEnd NamedPipe(bool measuring, string name)
    {
        if (measuring)
        {
            var server = new NamedPipeServerStream(name, PipeDirection.InOut, 1, PipeTransmissionMode.Byte, PipeOptions.None);
            server.WaitForConnection();
            return new StreamEnd(server, server);
        }

        var client = new NamedPipeClientStream(".", name, PipeDirection.InOut, PipeOptions.None);
        client.Connect(TimeSpan.FromSeconds(30));
        return new StreamEnd(client, client);
    }

    // A SharedMemoryConnection: the measuring side listens, the peer connects once the listener is there.
    private static StreamEnd SharedMemoryStream(bool measuring, string name)
    {
        if (measuring)
        {
            using var listener = SharedMemoryListener.Start(name);
            SharedMemoryConnection accepted = listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            return new StreamEnd(accepted, accepted);
        }

        for (long deadline = Environment.TickCount64 + 30_000; ; Thread.Sleep(5))
        {
            try
            {
                SharedMemoryConnection connection = SharedMemoryConnection.ConnectAsync(name).GetAwaiter().GetResult();
                return new StreamEnd(connection, connection);
            }
            catch (UnixIpcException e) when (e.Error == Errno.ECONNREFUSED && Environment.TickCount64 < deadline)
            {
                // Not listening yet.
            }
        }
    }

    // .NET's Socket over UnixDomainSocketEndPoint (an abstract address): the measuring side listens, the peer connects.
    private static SocketEnd DotNetSocket(bool measuring, SocketType type, string address)
    {
        var endPoint = new UnixDomainSocketEndPoint("\0" + address);
        if (measuring)
        {
            using var listener = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
            listener.Bind(endPoint);
            listener.Listen();
            return new SocketEnd(listener.Accept());
        }

        for (long deadline = Environment.TickCount64 + 30_000; ; Thread.Sleep(5))
        {
            var socket = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
            try
            {
                socket.Connect(endPoint);
                return new SocketEnd(socket);
            }
            catch (SocketException) when (Environment.TickCount64 < deadline)
            {
                socket.Dispose(); // not listening yet
            }
        }
    }
}
