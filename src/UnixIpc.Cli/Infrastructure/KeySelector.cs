using System.CommandLine;

namespace UnixIpc.Cli;

/// <summary>How System V get commands name the key: <c>KEY</c>, <c>--private</c> or <c>--ftok PATH PROJ</c>.</summary>
internal sealed class KeySelector
{
    public Argument<string?> Key { get; } = new("KEY")
    {
        Description = "The key, decimal or 0x-hex (as ipcs prints it).",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Option<bool> Private { get; } = new("--private") { Description = "IPC_PRIVATE: always a new object, reachable by id only." };

    public Option<string[]> Ftok { get; } = new("--ftok")
    {
        Description = "Derive the key with ftok(PATH, PROJ); PATH must exist, PROJ is 1-255.",
        Arity = new ArgumentArity(2, 2),
        AllowMultipleArgumentsPerToken = true,
        HelpName = "PATH PROJ",
    };

    public void AddTo(Command command)
    {
        command.Add(Key);
        command.Add(Private);
        command.Add(Ftok);
    }

    public IpcKey Resolve(ParseResult parse)
    {
        string? key = parse.GetValue(Key);
        bool isPrivate = parse.GetValue(Private);
        string[]? ftok = parse.GetResult(Ftok) is null ? null : parse.GetValue(Ftok);
        int given = (key is null ? 0 : 1) + (isPrivate ? 1 : 0) + (ftok is null ? 0 : 1);
        if (given != 1)
        {
            throw new UsageException("name the key exactly one way: KEY, --private or --ftok PATH PROJ.");
        }

        if (isPrivate)
        {
            return IpcKey.Private;
        }

        if (ftok is not null)
        {
            if (!CliParsers.TryParseNumber(ftok[1], out long project))
            {
                throw new UsageException($"--ftok: project id '{ftok[1]}' is not a number (1-255).");
            }

            return IpcKey.FromPath(ftok[0], (int)Math.Clamp(project, int.MinValue, int.MaxValue));
        }

        IpcKey parsed = IpcKey.Parse(key!);
        if (parsed.IsPrivate)
        {
            // shmget/msgget/semget read key 0 as IPC_PRIVATE: every call would make a new object and open none.
            throw new UsageException("KEY 0 is IPC_PRIVATE, which never finds an existing object: give --private to create a new one (reachable by its id).");
        }

        return parsed;
    }
}
