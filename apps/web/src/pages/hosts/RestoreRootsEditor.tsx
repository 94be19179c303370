import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button } from "../../components/ui/Button";
import { TextAreaField } from "../../components/ui/Field";
import { FormError } from "../../components/ui/FormError";
import { useTRPC } from "../../lib/trpc";
import { patternLines } from "../restore/restoreForm";

/** An admin's form for the directories a host lets restores write into, one per line. */
export function RestoreRootsEditor({
  hostId,
  roots,
  onSaved,
}: {
  hostId: string;
  roots: readonly string[];
  onSaved?: (roots: string[]) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [text, setText] = useState(roots.join("\n"));
  const save = useMutation(
    trpc.restores.setRoots.mutationOptions({
      onSuccess: ({ roots: saved }) => {
        void queryClient.invalidateQueries({ queryKey: trpc.hosts.pathKey() });
        onSaved?.(saved);
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ hostId, roots: patternLines(text) });
  };

  return (
    <form onSubmit={submit} noValidate className="space-y-3" data-testid="roots-form">
      <FormError error={save.error} />
      <TextAreaField
        label="Allowed restore directories"
        hint="Absolute directories, one per line. Restores to “another path” must land inside one of them; an empty list allows none."
        placeholder="/srv/restores"
        value={text}
        onChange={(event) => setText(event.target.value)}
        data-testid="roots-input"
      />
      <Button
        type="submit"
        variant="primary"
        size="sm"
        disabled={save.isPending}
        data-testid="roots-save"
      >
        {save.isPending ? "Saving…" : "Save directories"}
      </Button>
      {save.isSuccess && !save.isPending ? (
        <span
          className="ml-3 text-xs text-emerald-700 dark:text-emerald-400"
          data-testid="roots-saved"
        >
          Saved.
        </span>
      ) : null}
    </form>
  );
}
