namespace UnixIpc.Tests;

public sealed class PipelineTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    [Trait("conformance", "PROC-02")]
    public async Task Echo_hello_into_wc_c_prints_6_and_every_stage_reports_its_status()
    {
        var last = new ChildProcessOptions("/usr/bin/wc", "-c") { StandardOutput = ChildDescriptor.Pipe };
        using Pipeline pipeline = Pipeline.Start(new ChildProcessOptions("/bin/echo", "hello"), last);
        Assert.Equal("6", (await ChildProcessTests.ReadAllAsync(pipeline.StandardOutput!)).Trim());
        IReadOnlyList<ChildExitStatus> statuses = await pipeline.WaitForExitAsync().WaitAsync(Bound);
        Assert.Equal([ChildExitStatus.Exited(0), ChildExitStatus.Exited(0)], statuses);
    }

    [Fact]
    [Trait("conformance", "PROC-02")]
    public async Task Three_stages_with_our_input_and_a_failing_middle_stage_status()
    {
        var first = new ChildProcessOptions("/bin/cat") { StandardInput = ChildDescriptor.Pipe };
        var middle = new ChildProcessOptions("/bin/sh", "-c", "tr a-z A-Z; exit 5");
        var last = new ChildProcessOptions("/usr/bin/rev") { StandardOutput = ChildDescriptor.Pipe };
        using Pipeline pipeline = Pipeline.Start(first, middle, last);
        await pipeline.StandardInput!.WriteAsync("abc\n"u8.ToArray());
        pipeline.StandardInput.Dispose();
        Assert.Equal("CBA\n", await ChildProcessTests.ReadAllAsync(pipeline.StandardOutput!));
        IReadOnlyList<ChildExitStatus> statuses = await pipeline.WaitForExitAsync().WaitAsync(Bound);
        Assert.Equal([ChildExitStatus.Exited(0), ChildExitStatus.Exited(5), ChildExitStatus.Exited(0)], statuses);
    }

    [Fact]
    public void A_stage_that_cannot_start_fails_the_pipeline_and_the_started_stages_are_killed()
    {
        var error = Assert.Throws<UnixIpcException>(() => Pipeline.Start(new ChildProcessOptions("/bin/sleep", "600"), new ChildProcessOptions("/nonexistent/uipc-stage")));
        Assert.Equal(Errno.ENOENT, error.Error);
        Assert.Throws<ArgumentException>(() => Pipeline.Start());
        var middleInput = new ChildProcessOptions("/bin/cat") { StandardInput = ChildDescriptor.Null };
        Assert.Throws<ArgumentException>(() => Pipeline.Start(new ChildProcessOptions("/bin/echo"), middleInput));
    }
}
