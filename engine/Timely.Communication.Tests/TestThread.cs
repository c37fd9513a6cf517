namespace Timely.Communication.Tests;

/// <summary>A dedicated thread whose exception is rethrown on <see cref="Join"/> (tests use real threads, not the pool).</summary>
internal sealed class TestThread
{
    private readonly Thread _thread;
    private Exception? _error;

    public TestThread(Action body)
    {
        _thread = new Thread(() =>
        {
            try
            {
                body();
            }
#pragma warning disable CA1031 // rethrown on Join
            catch (Exception e)
#pragma warning restore CA1031
            {
                _error = e;
            }
        })
        { IsBackground = true };
        _thread.Start();
    }

    /// <summary>Joins within <paramref name="timeout"/>; false if still running; rethrows the thread's exception.</summary>
    public bool Join(TimeSpan timeout)
    {
        if (!_thread.Join(timeout))
        {
            return false;
        }

        if (_error is not null)
        {
            throw new InvalidOperationException("test thread failed", _error);
        }

        return true;
    }
}
