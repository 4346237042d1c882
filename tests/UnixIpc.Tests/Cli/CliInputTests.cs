namespace UnixIpc.Tests;

/// <summary>Hostile input to any verb: arguments that are not UTF-8, hex that would wrap, names with control characters.</summary>
public sealed class CliInputTests
{
    [Fact]
    public async Task An_argument_that_was_not_valid_UTF8_is_refused_instead_of_reaching_another_object()
    {
        CliRunner.Result result = await CliRunner.RunAsync("channel", "unlink", "/x\uFFFD"); // what the runtime makes of the byte 0xFF
        Assert.Equal((2, "unixipc: argument 3 is not valid UTF-8 (names and text must be).\n"), (result.ExitCode, result.Stderr));
    }

    [Theory]
    [InlineData("0xFFFFFFFFFFFFFFFF")] // used to wrap to -1: wait for ever
    [InlineData("0x8000000000000000")]
    [InlineData("18446744073709551615")]
    public async Task A_number_too_large_for_its_option_is_a_usage_error_not_a_wrapped_negative(string value)
    {
        string name = TestNames.Unique("clinum");
        try
        {
            CliRunner.Result result = await CliRunner.RunAsync("channel", "create", name, "--capacity", value);
            Assert.Equal(2, result.ExitCode);
            Assert.False(File.Exists("/dev/shm" + name));
            Assert.True(UnixIpc.Cli.CliParsers.TryParseNumber("0x7FFFFFFFFFFFFFFF", out long largest) && largest == long.MaxValue);
            Assert.False(UnixIpc.Cli.CliParsers.TryParseNumber(value, out _));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    public async Task Names_with_control_characters_are_listed_escaped_in_text()
    {
        string name = TestNames.Unique("clictl") + "\n\u001b[31m";
        try
        {
            using (PosixSharedMemory.CreateNew(name, 64))
            {
            }

            string listing = (await CliRunner.RunAsync("ls")).Stdout;
            Assert.Contains(name[..^6] + "\\x0A\\x1B[31m", listing, StringComparison.Ordinal);
            Assert.DoesNotContain("\u001b", listing, StringComparison.Ordinal);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Theory]
    [InlineData("--capacity", "5000", "unixipc: channel create: The capacity must be a power of two between 4096 and 1073741824 bytes (e.g. 65536 or 1048576), so positions wrap with a mask.\n")]
    [InlineData("--mode", "07777", "unixipc: channel create: Only the read/write bits apply.\n")]
    public async Task A_refused_value_is_explained_without_the_runtimes_words_for_programmers(string option, string value, string expected)
    {
        string name = TestNames.Unique("cliword");
        try
        {
            string[] arguments = option == "--capacity" ? ["channel", "create", name, option, value] : ["channel", "create", name, "--capacity", "4096", option, value];
            CliRunner.Result result = await CliRunner.RunAsync(arguments);
            Assert.Equal((2, expected), (result.ExitCode, result.Stderr)); // no "(Parameter 'value')", no "Actual value was OtherExecute, …"
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    public async Task A_parse_error_is_one_line_even_when_the_parser_lists_choices()
    {
        CliRunner.Result result = await CliRunner.RunAsync("channel", "create", "/never_made", "--capacity", "4096", "--delivery", "nope");
        Assert.Equal((2, "unixipc: channel create: Argument 'nope' not recognized. Must be one of: 'queue' 'broadcast'\n"), (result.ExitCode, result.Stderr));
    }

    [Theory]
    [InlineData("unixipc: Unrecognized command or argument 'bogus'. (1 more)\n", "bogus")]
    [InlineData("unixipc: pshm create: Unrecognized command or argument '--bogus'. (1 more)\n", "pshm", "create", "/never_made", "--size", "1", "--bogus", "extra")]
    [InlineData("unixipc: msg recv: --copy: -2 is out of range (0 or more). (1 more)\n", "msg", "recv", "--copy", "-2")]
    public async Task Several_parse_errors_are_one_line_naming_the_first_and_counting_the_rest(string expected, params string[] args)
    {
        // The parser reported "Required command was not provided." and "Unrecognized command or argument 'bogus'." on two lines.
        CliRunner.Result result = await CliRunner.RunAsync(args);
        Assert.Equal((2, expected), (result.ExitCode, result.Stderr));
    }

    [Theory]
    [InlineData("unixipc: lock get: The lock file's path is empty: give one.\n", "lock", "get", "")]
    [InlineData("unixipc: shm get: The path ftok derives the key from is empty: give one.\n", "shm", "get", "--ftok", "", "1")]
    [InlineData("unixipc: fifo read: The FIFO's path is empty: give one.\n", "fifo", "read", "")]
    [InlineData("unixipc: uds connect: The socket address is empty: give one.\n", "uds", "connect", "", "--data", "x")]
    public async Task An_empty_path_or_address_is_refused_in_words_that_say_which(string expected, params string[] args)
    {
        // It was the runtime's "The value cannot be an empty string."
        CliRunner.Result result = await CliRunner.RunAsync(args);
        Assert.Equal((2, expected), (result.ExitCode, result.Stderr));
    }
}
