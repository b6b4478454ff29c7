using System.Diagnostics;
using Vireo.Cli.Run;
using Xunit;

namespace Vireo.Cli.Tests.Run;

public sealed class ConsoleWriterTests
{
    [Fact]
    public void A_newline_flushes_at_once()
    {
        var stream = new MemoryStream();
        using var writer = new ConsoleWriter(stream);

        writer.Write("login: ok\n"u8);

        Assert.Equal("login: ok\n"u8.ToArray(), stream.ToArray());
    }

    [Fact]
    public void A_partial_line_is_flushed_by_the_timer_every_time_one_is_buffered()
    {
        var inner = new MemoryStream();
        Stream stream = Stream.Synchronized(inner); // the timer writes from a thread-pool thread
        var writer = new ConsoleWriter(stream);

        // Two prompts in a row: the one-shot timer must re-arm for the second.
        writer.Write("# "u8);
        Assert.True(WaitForLength(stream, 2), "the first partial line was never flushed");
        writer.Write("$ "u8);
        Assert.True(WaitForLength(stream, 4), "the second partial line was never flushed");
        writer.Dispose();
        Assert.Equal("# $ "u8.ToArray(), inner.ToArray());
    }

    [Fact]
    public void Dispose_flushes_what_is_buffered()
    {
        var stream = new MemoryStream();
        var writer = new ConsoleWriter(stream);
        writer.Write("bye"u8);

        writer.Dispose();

        Assert.Equal("bye"u8.ToArray(), stream.ToArray());
    }

    private static bool WaitForLength(Stream stream, int length)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (stream.Length >= length)
            {
                return true;
            }

            Thread.Sleep(5);
        }

        return false;
    }
}
