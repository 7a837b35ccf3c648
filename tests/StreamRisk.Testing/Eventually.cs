namespace StreamRisk.Testing;

/// <summary>Waits for an asynchronous outcome by polling with a deadline (no fixed sleeps in tests).</summary>
public static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan timeout, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (condition())
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(20));
        }
    }
}
