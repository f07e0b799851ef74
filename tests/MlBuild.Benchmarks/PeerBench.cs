namespace MlBuild.Benchmarks;

/// <summary>The ../shared/peers runner protocol: <c>--task T --spec SPEC --repeat N FILE [CUR]</c>, one JSON line out.</summary>
public static class PeerBench
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("peer-bench: not implemented yet");
        return 2;
    }
}
