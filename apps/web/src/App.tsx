import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { BrowserRouter } from "react-router";
import { AuthGate } from "./components/AuthGate";
import { createApiClient, createQueryClient, TRPCProvider } from "./lib/trpc";

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(createApiClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <BrowserRouter>
          <AuthGate />
        </BrowserRouter>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
