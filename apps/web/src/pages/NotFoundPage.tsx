import { Compass } from "lucide-react";
import { Link } from "react-router";
import { EmptyState } from "../components/ui/EmptyState";

export function NotFoundPage() {
  return (
    <div data-testid="page-not-found">
      <EmptyState icon={Compass} title="Page not found">
        There is no page at this address.{" "}
        <Link to="/" className="font-medium text-teal-700 underline dark:text-teal-300">
          Go to the dashboard
        </Link>
        .
      </EmptyState>
    </div>
  );
}
