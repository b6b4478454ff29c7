using System.Text;
using Vireo.Host.Console;

namespace Vireo.Host.Tests.Integration;

/// <summary>Waits for text on a VM's console.</summary>
internal static class ConsoleText
{
    public static string All(ConsoleBuffer console) => Encoding.UTF8.GetString(console.Tail(console.Capacity));

    public static async Task WaitForAsync(ConsoleBuffer console, string text, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        long position = 0;
        var seen = new StringBuilder();
        byte[] chunk = new byte[4096];
        try
        {
            while (true)
            {
                (int count, long next, _) = await console.ReadAsync(position, chunk, cancel.Token);
                position = next;
                seen.Append(Encoding.UTF8.GetString(chunk, 0, count));
                if (seen.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"'{text}' did not appear on the console within {timeout.TotalSeconds} s; it shows:\n{All(console)}");
        }
    }
}
