namespace UnixIpc;

/// <summary>
/// What <see cref="ChildProcess.Start(ChildProcessOptions)"/> runs: a program, its arguments exactly as given (no
/// shell), its environment and directory, and the descriptor map. Every descriptor not in the map is closed in the
/// child, except 0, 1 and 2, which are this process's unless mapped.
/// </summary>
public sealed class ChildProcessOptions
{
    /// <summary>Describes <paramref name="program"/> run with <paramref name="arguments"/>.</summary>
    /// <param name="program">A path, or a name looked up in the PATH of the child's environment.</param>
    /// <param name="arguments">argv[1..], each passed as one element, verbatim.</param>
    public ChildProcessOptions(string program, params IEnumerable<string> arguments)
    {
        RequiredText.ThrowIfEmpty(program, "the program to run");
        ArgumentNullException.ThrowIfNull(arguments);
        Program = program;
        Arguments = [.. arguments];
    }

    /// <summary>The program: a path (with a slash), or a name looked up in PATH.</summary>
    public string Program { get; }

    /// <summary>argv[1..]; argv[0] is <see cref="Program"/> unless <see cref="ArgumentZero"/> says otherwise.</summary>
    public IList<string> Arguments { get; }

    /// <summary>argv[0], when it should differ from <see cref="Program"/>.</summary>
    public string? ArgumentZero { get; set; }

    /// <summary>The child's whole environment; <see langword="null"/> gives it this process's (as .NET sees it).</summary>
    public IDictionary<string, string>? Environment { get; set; }

    /// <summary>The child's working directory; <see langword="null"/> for this process's.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>
    /// Signals blocked in the child when it starts (its signal mask; every other signal unblocked). A .NET child then
    /// has them blocked in every thread, so a <see cref="SignalListener"/> there reads them from a signalfd with the
    /// sender's pid and the sigqueue value.
    /// </summary>
    public IList<UnixSignal> BlockedSignals { get; } = [];

    /// <summary>
    /// The descriptor map: child descriptor number → what it is bound to. Numbers 0, 1 and 2 default to
    /// <see cref="ChildDescriptor.Inherit"/>; any other number is open in the child only if it is here.
    /// </summary>
    public IDictionary<int, ChildDescriptor> Descriptors { get; } = new SortedDictionary<int, ChildDescriptor>();

    /// <summary>Descriptor 0. Setting <see cref="ChildDescriptor.Pipe"/> gives <see cref="ChildProcess.StandardInput"/>.</summary>
    public ChildDescriptor StandardInput
    {
        get => Descriptors.TryGetValue(0, out ChildDescriptor? d) ? d : ChildDescriptor.Inherit;
        set => Descriptors[0] = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Descriptor 1. Setting <see cref="ChildDescriptor.Pipe"/> gives <see cref="ChildProcess.StandardOutput"/>.</summary>
    public ChildDescriptor StandardOutput
    {
        get => Descriptors.TryGetValue(1, out ChildDescriptor? d) ? d : ChildDescriptor.Inherit;
        set => Descriptors[1] = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Descriptor 2. Setting <see cref="ChildDescriptor.Pipe"/> gives <see cref="ChildProcess.StandardError"/>.</summary>
    public ChildDescriptor StandardError
    {
        get => Descriptors.TryGetValue(2, out ChildDescriptor? d) ? d : ChildDescriptor.Inherit;
        set => Descriptors[2] = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>A copy whose map can be changed without touching this one (the handles themselves are shared).</summary>
    internal ChildProcessOptions Clone()
    {
        var copy = new ChildProcessOptions(Program, Arguments)
        {
            ArgumentZero = ArgumentZero,
            Environment = Environment,
            WorkingDirectory = WorkingDirectory,
        };
        foreach (UnixSignal signal in BlockedSignals)
        {
            copy.BlockedSignals.Add(signal);
        }

        foreach ((int number, ChildDescriptor descriptor) in Descriptors)
        {
            copy.Descriptors[number] = descriptor;
        }

        return copy;
    }

    /// <inheritdoc/>
    public override string ToString() => Arguments.Count == 0 ? Program : $"{Program} {string.Join(' ', Arguments)}";
}
