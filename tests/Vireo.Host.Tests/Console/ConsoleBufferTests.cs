using System.Text;
using Vireo.Host.Console;

namespace Vireo.Host.Tests.Console;

public sealed class ConsoleBufferTests
{
    [Fact]
    public void TailKeepsTheLastBytesAcrossTheWrap()
    {
        var buffer = new ConsoleBuffer(16);
        buffer.Write("0123456789"u8);
        buffer.Write("abcdefghij"u8);
        Assert.Equal("efghij", Encoding.ASCII.GetString(buffer.Tail(6)));
        Assert.Equal("456789abcdefghij", Encoding.ASCII.GetString(buffer.Tail(100)));
        Assert.Equal(20, buffer.Position);
    }

    [Fact]
    public async Task AReaderWaitsForOutputAndASlowOneIsToldWhatItLost()
    {
        var buffer = new ConsoleBuffer(16);
        byte[] into = new byte[64];
        ValueTask<(int Count, long Next, long Lost)> pending = buffer.ReadAsync(0, into, CancellationToken.None);
        Assert.False(pending.IsCompleted);
        buffer.Write("hello"u8);
        (int count, long next, long lost) = await pending;
        Assert.Equal(("hello", 5L, 0L), (Encoding.ASCII.GetString(into, 0, count), next, lost));

        buffer.Write(Encoding.ASCII.GetBytes(new string('x', 40)));
        (count, next, lost) = await buffer.ReadAsync(next, into, CancellationToken.None);
        Assert.Equal(16, count);
        Assert.Equal(45, next);
        Assert.Equal(24, lost);
    }

    [Fact]
    public async Task AWaitingReadCanBeCancelled()
    {
        var buffer = new ConsoleBuffer(16);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await buffer.ReadAsync(0, new byte[4], cancel.Token));
    }
}
