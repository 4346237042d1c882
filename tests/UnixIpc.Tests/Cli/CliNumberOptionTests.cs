using System.CommandLine;
using UnixIpc.Cli;

namespace UnixIpc.Tests;

/// <summary>
/// The number rules of every option of every verb, found by walking the command tree (so a verb added later is
/// covered too): a value the user types is checked against the option's range at parse time, before anything is
/// created, attached, locked or received (#10).
/// </summary>
public sealed class CliNumberOptionTests
{
    public static TheoryData<string> NumberOptions => new(AllNumberOptions(CliApp.Build(Console())).Select(o => o.Path));

    [Theory]
    [MemberData(nameof(NumberOptions))]
    public void A_value_that_is_not_a_number_or_does_not_fit_is_refused_in_the_options_name(string path)
    {
        RootCommand root = CliApp.Build(Console());
        (string[] verb, Option<long> option) = Find(root, path);
        foreach (string value in new[] { "0x8000000000000000", "0xFFFFFFFFFFFFFFFF", "99999999999999999999", "abc", "1.5", "0x", "" })
        {
            ParseResult parse = Parse(root, [.. verb, option.Name, value]);
            Assert.True(parse.Errors.Any(e => e.Message.StartsWith(option.Name + ": ", StringComparison.Ordinal)),
                $"{path} {value}: {string.Join(" | ", parse.Errors.Select(e => e.Message))}");

            // Digits too big for 64 bits are out of range; only what is not digits is "not a number".
            bool tooBig = value.StartsWith("0x8", StringComparison.Ordinal) || value.StartsWith("0xF", StringComparison.Ordinal) || value.StartsWith("999", StringComparison.Ordinal);
            Assert.True(parse.Errors.Any(e => e.Message.Contains(tooBig ? "out of range" : "not a number", StringComparison.Ordinal)),
                $"{path} {value}: {string.Join(" | ", parse.Errors.Select(e => e.Message))}");
        }
    }

    [Theory]
    [MemberData(nameof(NumberOptions))]
    public void A_negative_default_means_not_given_so_typing_it_is_refused(string path)
    {
        // msg recv --copy -2 used to be "no --copy": a destructive receive where a copy was asked for.
        RootCommand root = CliApp.Build(Console());
        (string[] verb, Option<long> option) = Find(root, path);
        if (option.Required)
        {
            return; // no default to stand in for anything
        }

        long byDefault = Parse(root, [.. verb]).GetValue(option);
        if (byDefault >= 0)
        {
            return; // a real value (0 for --offset), not a stand-in for "not given"
        }

        foreach (long typed in new[] { byDefault, byDefault - 1, long.MinValue })
        {
            ParseResult parse = Parse(root, [.. verb, option.Name, typed.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.True(parse.Errors.Any(e => e.Message.StartsWith(option.Name + ": ", StringComparison.Ordinal)),
                $"{path} {typed} was accepted: {string.Join(" | ", parse.Errors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public async Task Waits_and_holds_beyond_what_a_timer_can_do_are_refused_before_anything_is_held()
    {
        // shm attach --hold 5000000 printed "attached", then failed with the runtime's text about timer durations.
        foreach (string[] args in new[]
        {
            new[] { "shm", "attach", "0", "--hold", "5000000" },
            ["lock", "set", "/tmp/unixipc_never_made.lock", "--hold", "2147484"],
            ["psem", "wait", "/never_made", "--timeout", "2147483648"],
        })
        {
            CliRunner.Result result = await CliRunner.RunAsync(args);
            Assert.True(result.ExitCode == 2 && result.Stdout.Length == 0 && result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 1
                && result.Stderr.Contains($"{args[3]}: {args[4]} is out of range (0 to ", StringComparison.Ordinal), result.ToString());
        }

        Assert.False(File.Exists("/tmp/unixipc_never_made.lock"), "the lock file was made before the option was checked");
    }

    [Fact]
    public async Task An_index_argument_takes_hex_like_every_number_and_says_what_is_wrong_in_plain_words()
    {
        SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 2);
        try
        {
            set.SetValue(1, 5);
            string id = set.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            CliRunner.Result hex = await CliRunner.RunAsync("sem", "value", id, "0x1");
            Assert.Equal((0, "5\n"), (hex.ExitCode, hex.Stdout));

            CliRunner.Result bad = await CliRunner.RunAsync("sem", "value", id, "4294967296");
            Assert.Equal((2, "unixipc: sem value: INDEX: 4294967296 is out of range (0 to 2147483647).\n"), (bad.ExitCode, bad.Stderr)); // was "… as expected type 'System.Int32'"
        }
        finally
        {
            set.TryRemove();
        }
    }

    private static IEnumerable<(string Path, string[] Verb, Option<long> Option)> AllNumberOptions(RootCommand root)
    {
        var stack = new Stack<(Command Command, string[] Verb)>();
        stack.Push((root, []));
        while (stack.Count > 0)
        {
            (Command command, string[] verb) = stack.Pop();
            foreach (Command sub in command.Subcommands)
            {
                stack.Push((sub, [.. verb, sub.Name]));
            }

            foreach (Option<long> option in command.Options.OfType<Option<long>>())
            {
                yield return (string.Join(' ', verb) + " " + option.Name, verb, option);
            }
        }
    }

    private static (string[] Verb, Option<long> Option) Find(RootCommand root, string path)
    {
        (_, string[] verb, Option<long> option) = AllNumberOptions(root).Single(o => o.Path == path);
        return (verb, option);
    }

    private static ParseResult Parse(RootCommand root, string[] args)
        => root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    private static CliConsole Console() => new(TextWriter.Null, TextWriter.Null, new MemoryStream(), new MemoryStream(), isTerminal: false);
}
