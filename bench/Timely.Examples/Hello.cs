using Timely.Communication;

namespace Timely.Examples;

/// <summary>
/// timely_communication's example (<c>comm_hello</c>, the crate documentation's): each worker
/// sends <c>hello, j</c> to every worker <c>j</c> on channel 0 and prints what it receives, then
/// each worker's result is printed.
/// </summary>
public static class Hello
{
    /// <summary>Runs the example under <paramref name="config"/>, writing the seed's lines to <paramref name="output"/>.</summary>
    public static int Run(Config config, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = TextWriter.Synchronized(output);
        using var guards = Workers.Initialize(config, allocator =>
        {
            writer.WriteLine($"worker {allocator.Index} started");
            var (senders, receiver) = allocator.Allocate<string>(0);
            for (int j = 0; j < senders.Length; j++)
            {
                string? message = $"hello, {j}";
                senders[j].Push(ref message);
                senders[j].Done();
            }

            // No termination notification: count down the greetings we expect.
            int expecting = allocator.Peers;
            while (expecting > 0)
            {
                allocator.Receive();
                ref string? slot = ref receiver.Pull();
                if (slot is not null)
                {
                    writer.WriteLine($"worker {allocator.Index}: received: <{slot}>");
                    slot = null;
                    expecting--;
                }
                else
                {
                    allocator.AwaitEvents(TimeSpan.FromSeconds(1));
                }

                allocator.Release();
            }

            return allocator.Index;
        });

        int exit = 0;
        foreach (var result in guards.Join())
        {
            writer.WriteLine($"result: {result}");
            if (!result.IsOk)
            {
                exit = 1;
            }
        }

        return exit;
    }
}
